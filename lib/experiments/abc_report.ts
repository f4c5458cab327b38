/**
 * models-abc's result from its nets' measurements: Tables 4, 5 and 6 beside the paper's, the metrics the
 * regression check follows, Fig 4's curves, the regime and how the runs differ from the paper; and what the
 * test-protocol claims read: the best single scale on validation and whether the nets handle every scale.
 */
import type { RunContext } from "./registry.ts";
import type { Report } from "./runner.ts";
import * as common from "./common.ts";
import * as large from "./large_family.ts";
import type { DataSet } from "../data/dataset.ts";
import type * as claims from "../results/claims.ts";
import { mean, meanSd, percentMetric, row } from "../results/format.ts";
import type { Comparison, Metric } from "../results/result.ts";
import { lineChart } from "../results/svg.ts";

export interface AbcOutcome {
  tier: large.LargeTier;
  data: common.LoadedData<DataSet>;
  seeds: number[];
  measured: large.LargeMeasured[];
  list: claims.Claim[];
}

/** models-abc's result: Tables 4-6 beside the paper, metrics, Fig 4's curves, regime, differences. */
export function abcReport(
  _ctx: RunContext,
  { tier, data, seeds, measured, list }: AbcOutcome,
): Promise<Report> {
  const classes = data.train.classes.length;
  const { aRelu, aPrelu, b, c } = large.byRow(measured);
  const { centreErr: centre, multiErr: multi } = large;
  const comparison: Comparison[] = [];
  const metrics: Record<string, Metric> = {};
  for (
    const [kind, xs] of [["A-ReLU", aRelu], ["A-PReLU", aPrelu], ["B-PReLU", b], ["C-PReLU", c]] as const
  ) {
    comparison.push(
      row(
        `${kind}: top-1 % (centre, all test)`,
        large.TABLE5[kind][0],
        meanSd(xs.map(centre)),
        "Table 5 (10-view)",
      ),
      row(
        `${kind}: top-1 % (10-view)`,
        large.TABLE5[kind][0],
        meanSd(xs.map((x) => x.ten.top1Err)),
        "Table 5",
      ),
      row(`${kind}: top-1 % (dense multi-scale)`, large.TABLE6[kind][0], meanSd(xs.map(multi)), "Table 6"),
      row(
        `${kind}: top-5 % (dense multi-scale)`,
        large.TABLE6[kind][1],
        meanSd(xs.map((x) => x.multi.top5Err)),
        "Table 6",
      ),
    );
    metrics[`top1.center.${kind}`] = percentMetric(xs.map(centre), `${kind}: centre-crop top-1 error`);
    metrics[`top1.multiscale.${kind}`] = percentMetric(
      xs.map(multi),
      `${kind}: dense multi-scale top-1 error`,
    );
  }
  const g = large.largeGeometry(data, tier);
  for (const [kind, xs] of [["relu", aRelu], ["prelu", aPrelu]] as const) {
    g.scales.forEach((s, i) => {
      comparison.push(
        row(
          `A-${kind}: dense top-1 % at scale ${s}`,
          large.TABLE4[kind][i][0],
          meanSd(xs.map((x) => x.dense[i].top1Err)),
          "Table 4",
        ),
      );
    });
  }
  const meanCurve = (xs: large.LargeMeasured[]) =>
    xs[0].training.points.map((p, i) =>
      [p.epoch, mean(xs.map((x) => x.training.points[i].valTop1Err))] as [number, number]
    );
  const plots = [{
    file: "curves.svg",
    caption: "Validation error of A-ReLU and A-PReLU during training, mean over seeds (Fig 4)",
    svg: lineChart({
      title: "Model A: validation top-1 error (centre crop, mean over seeds)",
      xLabel: "epoch",
      yLabel: "top-1 error",
      series: [{ name: "A-ReLU", points: meanCurve(aRelu) }, { name: "A-PReLU", points: meanCurve(aPrelu) }],
    }),
  }];
  return Promise.resolve({
    regime: common.regime(
      measured.map((x) => ({ ...x.training, label: large.entryName(x.entry) })),
      measured.map(centre),
      1 - 1 / classes,
      { epochs: 80, images: common.IMAGENET_TRAIN, batch: 128, err: 0.2648 },
      "Early training of the large models (the paper trains about 80 epochs):",
    ),
    config: { tier, geometry: g, recipe: large.largeConfig(tier, data, seeds[0]) },
    runs: measured.map((x) =>
      common.runRecord(large.entryName(x.entry), x.entry.seed, x.training, {
        centerTop1Err: x.centre.top1Err,
        tenViewTop1Err: x.ten.top1Err,
        multiScaleTop1Err: x.multi.top1Err,
        multiScaleTop5Err: x.multi.top5Err,
      })
    ),
    metrics,
    comparison,
    claims: list,
    differences: large.largeDifferences(tier, data),
    plots,
  });
}

/**
 * How much worse than its best single scale a net may be at its worst before multi-scale testing is testable:
 * twice the paper's spread (Table 4: the worst of A's three scales 1.48 (ReLU) and 1.61 (PReLU) points above the
 * best). Combining scales pays only on nets that handle every scale; nets trained on one narrow jitter range that
 * get worse at each larger scale cannot show it.
 */
const SCALE_SPREAD = 0.03;

/** Test error at the scale that was best on validation (the test images never pick it). */
export function bestScaleTestErr(x: large.LargeMeasured): number {
  const errsVal = x.denseVal.map((d) => d.top1Err);
  return x.dense[errsVal.indexOf(Math.min(...errsVal))].top1Err;
}

/** The precondition of the test-protocol claims: on validation, every scale within SCALE_SPREAD of the best. */
export function scaleRobust(xs: large.LargeMeasured[]): claims.Precondition {
  const perScale = xs[0].denseVal.map((_, i) => mean(xs.map((x) => x.denseVal[i].top1Err)));
  const spread = Math.max(...perScale) - Math.min(...perScale);
  return {
    met: spread <= SCALE_SPREAD,
    what:
      `the nets handle every test scale: on validation, the worst scale's top-1 error (mean over model A's ` +
      `nets) within ${(100 * SCALE_SPREAD).toFixed(0)} points of the best's`,
    measured: `validation top-1 by scale ${perScale.map((e) => `${(100 * e).toFixed(1)}%`).join(" / ")}, ` +
      `spread ${(100 * spread).toFixed(1)} points`,
  };
}
