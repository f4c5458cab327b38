/**
 * small-model's result from its nets' measurements: Table 2's errors and Table 1's slopes beside the paper's, the
 * PyTorch twin's errors at the long tier, the metrics the regression check follows, Figs 1-2's plots, the regime
 * and how the runs differ from the paper.
 */
import type { RunContext } from "./registry.ts";
import * as common from "./common.ts";
import { SMALL_EPOCHS, TABLE2_ERRORS } from "../paper/facts.ts";
import * as small from "./small_family.ts";
import type { Responses } from "./measure.ts";
import { addAudit, auditMetrics } from "./audit.ts";
import type { Report, Trained } from "./runner.ts";
import type { SmallNetMeasurements } from "./small_measure.ts";
import { TABLE1 } from "./slopes.ts";
import { firstRateDrop, twinLongRuns, twinRows } from "./twin_reference.ts";
import { smallModelPlots } from "./small_plots.ts";
import { convergeText } from "../train/schedule.ts";
import type { DataSet } from "../data/dataset.ts";
import type { InitScheme } from "../init.ts";
import type { ActivationKind } from "../nn.ts";
import type * as claims from "../results/claims.ts";
import { mean, meanSd, percentMetric, row } from "../results/format.ts";
import type { Comparison, Metric, RunRecord } from "../results/result.ts";

/** One rectifier's measurements over its seeds. */
export interface SmallMeasured {
  centre: number[];
  centre5: number[];
  ten: number[];
  slopes: Record<string, number>[];
  allSlopes: number[];
  responses: Responses[];
  audit: { slopeGradient: number[]; slopeDecay: number[]; weightDecay: number[] };
  /** Per seed, the epoch after which the learning rate first fell (null: it never did). */
  firstDrops: (number | null)[];
}

export const logFisher = (r: Responses) => mean(Object.values(r.fisher).map((v) => Math.log(v)));
/** small-model's nets gathered by rectifier: their run records and measurements, conv1's filters. */
export interface SmallGathered {
  runs: RunRecord[];
  m: Record<ActivationKind, SmallMeasured>;
  conv1: { values: Float64Array; shape: readonly number[] } | null;
  /** Every net stopped by the tier's convergence rule. */
  converged: boolean;
}

/** Gathers the trained nets' measurements by rectifier, in the order of Table 2. */
export function gatherSmall(
  nets: Trained<{ variant: string; seed: number }, SmallNetMeasurements>[],
): SmallGathered {
  const runs: RunRecord[] = [];
  const m = {} as Record<ActivationKind, SmallMeasured>;
  let conv1: SmallGathered["conv1"] = null;
  for (const v of small.TABLE2) {
    m[v.kind] = {
      ...{ centre: [], centre5: [], ten: [], slopes: [], allSlopes: [], responses: [], firstDrops: [] },
      audit: { slopeGradient: [], slopeDecay: [], weightDecay: [] },
    };
  }
  for (const r of nets) {
    const kind = r.variant as ActivationKind;
    const f = m[kind];
    const x = r.measurements;
    f.centre.push(x.centre.top1Err);
    f.centre5.push(x.centre.top5Err);
    f.ten.push(x.ten.top1Err);
    f.slopes.push(x.slopes);
    f.allSlopes.push(...x.allSlopes);
    f.responses.push(x.responses);
    f.firstDrops.push(firstRateDrop(r.training.epochs));
    if (x.conv1) conv1 = { values: Float64Array.from(x.conv1.values), shape: x.conv1.shape };
    addAudit(f.audit, x.audit);
    runs.push(common.runRecord(`${kind}-seed${r.seed}`, r.seed, r.training, {
      centerTop1Err: x.centre.top1Err,
      centerTop5Err: x.centre.top5Err,
      tenViewTop1Err: x.ten.top1Err,
    }));
  }
  return { runs, m, conv1, converged: nets.every((r) => r.training.converged) };
}

export interface SmallOutcome extends SmallGathered {
  init: InitScheme;
  data: common.LoadedData<DataSet>;
  tier: small.SmallTier;
  seeds: number[];
  list: claims.Claim[];
}

/** small-model's result: Table 2 and Table 1 beside the paper, metrics, plots, differences. */
export async function smallReport(ctx: RunContext, o: SmallOutcome): Promise<Report> {
  const { data, tier, seeds, runs, m, list, conv1 } = o;
  const { side, crop } = small.smallGeometry(data, tier);
  const layers = Object.keys(TABLE1);
  const slope = (k: ActivationKind, l: string) => mean(m[k].slopes.map((s) => s[l]));
  const firstSeed = (k: ActivationKind) => runs.find((r) => r.label === `${k}-seed${seeds[0]}`)!;
  const twin = tier.converge ? await twinLongRuns(ctx.outDir, tier.scaling.head, tier.scaling.dropout) : [];
  const comparison: Comparison[] = [
    ...small.TABLE2.flatMap((v) => [
      row(`${v.label}: top-1 % (centre, all test)`, v.paperTop1, meanSd(m[v.kind].centre), "Table 2"),
      row(`${v.label}: top-1 % (10-view, ${tier.viewImages})`, v.paperTop1, meanSd(m[v.kind].ten), "Table 2"),
      row(`${v.label}: top-5 % (centre, all test)`, v.paperTop5, meanSd(m[v.kind].centre5), "Table 2"),
    ]),
    ...twinRows(
      twin,
      small.TABLE2.map((v) => ({
        kind: v.kind,
        label: v.label,
        errs: m[v.kind].centre,
        firstDrops: m[v.kind].firstDrops,
      })),
    ),
    ...layers.map((l) =>
      row(
        `learned a, ${l} (shared / channel-wise mean)`,
        `${TABLE1[l][0]} / ${TABLE1[l][1]}`,
        `${slope("prelu-shared", l).toFixed(3)} / ${slope("prelu-channel", l).toFixed(3)}`,
        "Table 1",
      )
    ),
  ];
  const metrics: Record<string, Metric> = {};
  for (const v of small.TABLE2) {
    metrics[`top1.center.${v.kind}`] = percentMetric(m[v.kind].centre, `${v.label}: centre-crop top-1 error`);
    metrics[`top1.10view.${v.kind}`] = percentMetric(m[v.kind].ten, `${v.label}: 10-view top-1 error`);
  }
  for (const k of ["prelu-shared", "prelu-channel"] as const) {
    for (const l of layers) {
      metrics[`slope.${l}.${k}`] = {
        values: m[k].slopes.map((s) => s[l]),
        description: `a of ${l}`,
        floor: 0.02,
      };
    }
    Object.assign(metrics, auditMetrics(k, m[k].audit));
  }
  metrics["audit.weightDecay"] = auditMetrics("relu", m.relu.audit)["audit.weightDecay.relu"];
  const plots = smallModelPlots({
    layers,
    table1: TABLE1,
    slope,
    rectifiers: Object.keys(m.relu.responses[0].mean),
    variants: small.TABLE2,
    meanResponse: (k, l) => mean(m[k].responses.map((r) => r.mean[l])),
    curves: small.TABLE2.map((v) => ({ name: v.label, points: firstSeed(v.kind).points })),
    conv1,
  });
  const config = small.smallConfig(tier, data, seeds[0]);
  return {
    regime: common.regime(
      runs,
      small.TABLE2.flatMap((v) => m[v.kind].centre),
      1 - 1 / data.train.classes.length,
      { epochs: SMALL_EPOCHS, images: common.IMAGENET_TRAIN, batch: 128, err: TABLE2_ERRORS.relu[0] / 100 },
      tier.paper
        ? "The paper's 14-layer model and recipe on an ImageNet-style folder:"
        : o.converged
        ? `The 14-layer model trained until converged (${convergeText(config.schedule, tier.converge!)}):`
        : tier.converge
        ? "The 14-layer model trained for its longest run, not every net converged by the tier's rule:"
        : `Early training of the 14-layer model (the paper's ${SMALL_EPOCHS} epochs are out of reach at this tier):`,
      o.converged ? "converged" : "early",
    ),
    config: { tier, crop, side, recipe: config, init: o.init, pixelScale: small.pixelScale(tier) },
    runs,
    metrics,
    comparison,
    claims: list,
    differences: [
      ...small.smallDifferences(tier, data, config),
      `Final errors are centre-crop on the whole test set; the paper's 10-view protocol is reported on ${tier.viewImages} test images spread over the set.`,
      `Mean responses and the Fisher proxy are measured on ${
        Math.min(256, tier.evalLimit, data.test.count)
      } centre-cropped test images; the paper's real-data Fisher evaluation is in a supplement we do not have.`,
    ],
    plots,
  };
}
