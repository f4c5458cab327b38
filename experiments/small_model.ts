/**
 * small-model: Tables 1-2 and ICCV Figs 1-2 on the 14-layer model (He, Zhang, Ren, Sun, ICCV 2015).
 *
 * The same model, recipe and seeds with ReLU, LReLU (a = 0.25), PReLU channel-shared and PReLU channel-wise:
 * top-1/top-5 error (centre crop on the whole test set; 10-view on a spread subset), the learned slopes of every
 * layer (Table 1), each layer's mean response (Fig 2) and the fc layers' Fisher-information proxy (Eq. 5-6).
 *
 *   deno task exp small-model --tier default     # about 17 min on 2 cores with no GPU
 *   deno task exp small-model --tier paper --data /data/imagenet   # the paper's model and recipe (a GPU)
 */
import type { Experiment, RunContext } from "../lib/experiments/registry.ts";
import * as common from "../lib/experiments/common.ts";
import * as small from "../lib/experiments/small_family.ts";
import type { Responses } from "../lib/experiments/measure.ts";
import { addAudit, auditMetrics } from "../lib/experiments/audit.ts";
import { measureSmallNet } from "../lib/experiments/small_measure.ts";
import { convergeText } from "../lib/train/schedule.ts";
import { twinLongRuns, twinRows } from "../lib/experiments/twin_reference.ts";
import { runShards, shardName } from "../lib/experiments/shards.ts";
import { slopeClaims, slopeMoved, TABLE1 } from "../lib/experiments/slopes.ts";
import type { DataSet } from "../lib/data/dataset.ts";
import type { InitScheme } from "../lib/init.ts";
import type { ActivationKind } from "../lib/nn.ts";
import * as claims from "../lib/results/claims.ts";
import { mean, meanSd, pct, percentMetric, row } from "../lib/results/format.ts";
import { type Comparison, type Metric, type RunRecord, writeResult } from "../lib/results/result.ts";
import { smallModelPlots } from "../lib/experiments/small_plots.ts";

export const experiment: Experiment = {
  id: "small-model",
  title: "ReLU vs LReLU vs PReLU on the 14-layer model: errors, learned slopes, mean responses",
  paperRef: "Tables 1-2, ICCV Fig 1-2",
  tiers: ["smoke", "default", "long", "gpu", "paper"],
  run,
  shardNames: (ctx) =>
    plan(ctx.seeds ?? small.SMALL_TIERS[ctx.tier].seeds).map(({ kind, seed }) =>
      shardName("small-model", ctx.tier, kind, seed)
    ),
};

/** He's forward form for every rectifier (whether the paper used the PReLU variant is UNCONFIRMED). */
const INIT: InitScheme = { kind: "he-forward" };

interface Measured {
  centre: number[];
  centre5: number[];
  ten: number[];
  slopes: Record<string, number>[];
  allSlopes: number[];
  responses: Responses[];
  audit: { slopeGradient: number[]; slopeDecay: number[]; weightDecay: number[] };
}

/** One net per rectifier and seed (a shard each). */
const plan = (seeds: number[]) => small.TABLE2.flatMap((v) => seeds.map((seed) => ({ kind: v.kind, seed })));

async function run(ctx: RunContext): Promise<void> {
  const tier = small.smallTier(ctx, experiment.id);
  const started = performance.now();
  const data = await common.loadTierData(ctx, tier);
  const { side, crop } = small.smallGeometry(data, tier);
  // Mean responses and audits need a fixed batch of pixels in memory (a decoded sample at the paper tier).
  // At most 256 images, fewer when --eval-images asks (a pipeline check).
  const probeCount = Math.min(256, tier.evalLimit);
  const setup = {
    data,
    probe: await common.probeImages(data, probeCount, side, crop),
    probeCount,
    auditImages: Math.min(8, probeCount),
    side,
    crop,
    viewImages: tier.viewImages,
    weightDecay: small.smallConfig(tier, data, 1).weightDecay,
  };
  const seeds = ctx.seeds ?? tier.seeds;
  const records = await runShards(
    ctx,
    experiment,
    plan(seeds).map(({ kind, seed }) => {
      const spec = small.smallSpec(tier, data, kind, INIT);
      const config = small.smallConfig(tier, data, seed);
      return {
        variant: kind,
        seed,
        request: { label: small.smallLabel(spec, INIT, data, config), spec, config, data },
        measure: async (model: common.TrainedModel) => {
          const measured = await measureSmallNet(
            ctx,
            model,
            setup,
            kind === "prelu-channel" && seed === seeds[0],
          );
          const label = small.TABLE2.find((v) => v.kind === kind)!.label;
          ctx.log(
            `   ${label}, seed ${seed}: centre top-1 ${
              pct(measured.centre.top1Err)
            }% on ${measured.centre.count}`,
          );
          return measured;
        },
      };
    }),
  );
  if (!records) return;
  const runs: RunRecord[] = [];
  const m = {} as Record<ActivationKind, Measured>;
  let conv1: { values: Float64Array; shape: readonly number[] } | null = null;
  for (const v of small.TABLE2) {
    m[v.kind] = {
      ...{ centre: [], centre5: [], ten: [], slopes: [], allSlopes: [], responses: [] },
      audit: { slopeGradient: [], slopeDecay: [], weightDecay: [] },
    };
  }
  for (const r of records) {
    const kind = r.variant as ActivationKind;
    const f = m[kind];
    const x = r.measurements;
    f.centre.push(x.centre.top1Err);
    f.centre5.push(x.centre.top5Err);
    f.ten.push(x.ten.top1Err);
    f.slopes.push(x.slopes);
    f.allSlopes.push(...x.allSlopes);
    f.responses.push(x.responses);
    if (x.conv1) conv1 = { values: Float64Array.from(x.conv1.values), shape: x.conv1.shape };
    addAudit(f.audit, x.audit);
    runs.push(common.runRecord(`${kind}-seed${r.seed}`, r.seed, r.training, {
      centerTop1Err: x.centre.top1Err,
      centerTop5Err: x.centre.top5Err,
      tenViewTop1Err: x.ten.top1Err,
    }));
  }

  const err = (k: ActivationKind) => ({
    label: small.TABLE2.find((v) => v.kind === k)!.label,
    values: m[k].centre,
  });
  // Claims about what learned slopes do are judged on the channel-wise variant's own slopes.
  const moved = slopeMoved(m["prelu-channel"].slopes, "channel-wise");
  const list: claims.Claim[] = [
    claims.better({
      id: "prelu-beats-relu-channel",
      text: "PReLU (channel-wise) has lower error than ReLU",
      paper: "Table 2: 32.64 vs 33.82 top-1 (1.2 points better)",
      regime: "converged",
      a: err("prelu-channel"),
      b: err("relu"),
    }),
    claims.better({
      id: "prelu-beats-relu-shared",
      text: "PReLU (channel-shared) has lower error than ReLU",
      paper: "Table 2: 32.71 vs 33.82 top-1 (1.1 points better)",
      regime: "converged",
      a: err("prelu-shared"),
      b: err("relu"),
    }),
    claims.equivalent({
      id: "channel-wise-about-shared",
      text: "Channel-wise and channel-shared PReLU are about equal",
      paper: "Table 2: 32.64 vs 32.71 top-1",
      regime: "converged",
      a: err("prelu-shared"),
      b: err("prelu-channel"),
      margin: 0.01,
    }),
    claims.noBetter({
      id: "lrelu-no-better",
      text: "LReLU with a fixed a = 0.25 is no better than ReLU",
      paper: "Table 2 (ICCV): 33.80 vs 33.82 top-1",
      regime: "converged",
      a: err("lrelu"),
      b: err("relu"),
      margin: 0.01,
    }),
    ...slopeClaims(m["prelu-shared"].slopes, m["prelu-channel"].slopes, m["prelu-channel"].allSlopes),
    claims.signTest({
      id: "prelu-smaller-mean-response",
      text: "PReLU has smaller mean responses than ReLU",
      paper: "ICCV Fig 2: lower at 10 of 13 layers",
      regime: "converged",
      aLabel: "PReLU (channel-wise)",
      bLabel: "ReLU",
      items: Object.keys(m.relu.responses[0].mean).map((layer) => ({
        label: layer,
        a: m["prelu-channel"].responses.map((r) => r.mean[layer]),
        b: m.relu.responses.map((r) => r.mean[layer]),
      })),
      preconditions: [moved],
    }),
    claims.better({
      id: "fisher-off-diagonal",
      text: "PReLU keeps the fc layers' off-diagonal Fisher blocks closer to zero",
      paper: "ICCV Eq. 5-6: the blocks are about E[f_j]E[f_j'], closer to 0 when E[f] is",
      regime: "converged",
      a: { label: "PReLU", values: m["prelu-channel"].responses.map(logFisher) },
      b: { label: "ReLU", values: m.relu.responses.map(logFisher) },
      scale: 1,
      unit: "(log of the fc1/fc2 mean |E[f_j]E[f_j']|)",
      preconditions: [moved],
    }),
  ];
  const converged = records.every((r) => r.training.converged);
  await report(ctx, { data, tier, seeds, started, runs, m, list, conv1, converged });
}

const logFisher = (r: Responses) => mean(Object.values(r.fisher).map((v) => Math.log(v)));
interface Outcome {
  data: common.LoadedData<DataSet>;
  tier: small.SmallTier;
  seeds: number[];
  started: number;
  runs: RunRecord[];
  m: Record<ActivationKind, Measured>;
  list: claims.Claim[];
  conv1: { values: Float64Array; shape: readonly number[] } | null;
  /** Every net stopped by the tier's convergence rule. */
  converged: boolean;
}

async function report(ctx: RunContext, o: Outcome) {
  const { data, tier, seeds, started, runs, m, list, conv1 } = o;
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
    ...twinRows(twin, small.TABLE2.map((v) => ({ kind: v.kind, label: v.label, errs: m[v.kind].centre }))),
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
  await writeResult(ctx.outDir, {
    ...(await common.resultBase(ctx, experiment, data, seeds, started)),
    regime: common.regime(
      runs,
      small.TABLE2.flatMap((v) => m[v.kind].centre),
      1 - 1 / data.train.classes.length,
      { epochs: 75, images: common.IMAGENET_TRAIN, batch: 128, err: 0.3382 },
      tier.paper
        ? "The paper's 14-layer model and recipe on an ImageNet-style folder:"
        : o.converged
        ? `The 14-layer model trained until converged (${convergeText(config.schedule, tier.converge!)}):`
        : tier.converge
        ? "The 14-layer model trained for its longest run, not every net converged by the tier's rule:"
        : `Early training of the 14-layer model (the paper's 75 epochs are out of reach at this tier):`,
      o.converged ? "converged" : "early",
    ),
    config: { tier, crop, side, recipe: config, init: INIT, pixelScale: small.pixelScale(tier) },
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
    plots: plots.map(({ file, caption }) => ({ file, caption })),
    notes: [],
  }, plots).then((dir) => ctx.log(`wrote ${dir}/result.json, result.md and plots`));
}
