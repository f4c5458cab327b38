/**
 * init-depth's report: the paper's Fig 3 numbers beside ours, the metrics the regression check follows, the
 * differences from the paper, and the two panels of Fig 3.
 */
import { FIG3 } from "../paper/facts.ts";
import * as common from "./common.ts";
import * as large from "./large_family.ts";
import type { Scored } from "./measure.ts";
import * as small from "./small_family.ts";
import type { InitScheme } from "../init.ts";
import { pct, percentMetric, row } from "../results/format.ts";
import type { Comparison, Metric } from "../results/result.ts";
import { firstCrossing, OFF_CHANCE } from "../results/stats.ts";
import { lineChart } from "../results/svg.ts";

export const XAVIER: InitScheme = { kind: "xavier" };
/** The 14-layer family uses the forward form (as small-model); model B the backward one (as models-abc). */
export const HE_SMALL: InitScheme = { kind: "he-forward" };
const PAPER = FIG3;

export interface DepthRun {
  depth: 14 | 22 | 30;
  init: "he" | "xavier";
  model: common.TrainedModel;
  curve: { epoch: number; err: number }[];
  centre: Scored;
}

export interface Outcome {
  st: small.SmallTier;
  lt: large.LargeTier;
  data: common.LoadedData;
  seed: number;
  chance: number;
  runs: DepthRun[];
  interval: number;
  valImages: number;
}

export function depthReport(o: Outcome) {
  const { st, lt, data, seed, chance, runs, interval, valImages } = o;
  const get = (depth: number, init: string) => runs.find((r) => r.depth === depth && r.init === init)!;
  const grad = (r: DepthRun, at: "first" | "last") =>
    (at === "first" ? r.model.result.points[0] : r.model.result.points.at(-1)!).probe!.conv1GradRms;
  const crossing = (r: DepthRun) => firstCrossing(r.curve, chance - OFF_CHANCE);
  const ep = (x: number | null) => (x === null ? "not reached" : x.toFixed(2));
  const pair = (d: number, f: (r: DepthRun) => string) => `${f(get(d, "he"))} / ${f(get(d, "xavier"))}`;
  const last = (r: DepthRun) => r.curve.at(-1)!.err.toFixed(3);
  const ratio = (d: number, at: "first" | "last") =>
    (grad(get(d, "xavier"), at) / grad(get(d, "he"), at)).toExponential(2);
  const fig3 = "ICCV Fig 3 [digitized]";
  const comparison: Comparison[] = [
    row(
      "22 layers: first epoch 5 points below chance, He / Xavier",
      PAPER.below95,
      pair(22, (r) => ep(crossing(r))),
      fig3,
    ),
    row("22 layers: final validation error, He / Xavier", PAPER.final22, pair(22, last), fig3),
    row("30 layers: final validation error, He / Xavier", PAPER.final30, pair(30, last), fig3),
    row(
      "centre top-1 %, test set: 14 / 30 layers (He)",
      "33.82 / 38.56 (10-view)",
      `${pct(get(14, "he").centre.top1Err)} / ${pct(get(30, "he").centre.top1Err)}`,
      "Sec. 3.2",
    ),
    ...[22, 30].map((d) =>
      row(
        `${d} layers: conv1 gradient RMS Xavier / He, init / end`,
        d === 30 ? "diminishing" : null,
        `${ratio(d, "first")} / ${ratio(d, "last")}`,
        "v1 Fig 3",
      )
    ),
  ];
  const metrics: Record<string, Metric> = {};
  for (const r of runs) {
    metrics[`top1.center.${r.depth}.${r.init}`] = percentMetric(
      [r.centre.top1Err],
      `${r.depth} layers, ${r.init}: centre top-1 error`,
    );
  }
  for (const d of [22, 30] as const) {
    metrics[`log10.conv1GradRatio.${d}.init`] = {
      values: [Math.log10(Math.max(grad(get(d, "xavier"), "first") / grad(get(d, "he"), "first"), 1e-30))],
      floor: 0.5,
      description: `${d} layers: log10 conv1 gradient RMS Xavier / He at init`,
    };
  }
  return {
    regime: common.regime(
      // Fig 3's curves (22 and 30 layers) are there to show how long each init sits on the plateau.
      runs.map((r) => ({
        ...r.model.result,
        label: `${r.depth}-layer-${r.init}`,
        plateauMeasured: r.depth !== 14,
      })),
      runs.map((r) => r.centre.top1Err),
      chance,
      {
        epochs: 3,
        images: common.IMAGENET_TRAIN,
        batch: 128,
        err: 0.788,
      },
      "The first part of Fig 3's curves (the paper plots 3 epochs at 22 layers and 9.9 at 30):",
    ),
    config: {
      small: small.smallConfig(st, data, seed),
      large: large.largeConfig(lt, data, seed),
      inits: { he22: large.LARGE_INIT, he30: HE_SMALL, xavier: XAVIER },
    },
    runs: runs.map((r) =>
      common.runRecord(`${r.depth}-layer-${r.init}`, seed, r.model.result, {
        centerTop1Err: r.centre.top1Err,
      })
    ),
    metrics,
    comparison,
    differences: [
      `22 layers: model B as models-abc scales it (${
        large.largeDifferences(lt, data)[1]
      }); the backward form of He's init, as the paper trained its large models.`,
      `30 layers: small-model's 14-layer net with 16 more 2x2 convs at the end of the conv3 stage (where the paper put them is UNCONFIRMED); He's forward form.`,
      `One seed per curve; a run of ${st.epochs} epochs with validation every ${
        interval.toFixed(3)
      } epochs on ${valImages} held-out images (all ${data.val.count} at the end). Chance is ${
        pct(chance)
      }% here (10 classes), 99.9% in the paper.`,
      ...small.smallDifferences(st, data, small.smallConfig(st, data, seed)).slice(2),
    ],
    notes: [],
  };
}

/** Fig 3's two panels: validation error with He's init and with Xavier at 22 and 30 layers. */
export function depthPlots(runs: DepthRun[]) {
  const get = (depth: number, init: string) => runs.find((r) => r.depth === depth && r.init === init)!;
  const plots = ([22, 30] as const).map((d) => ({
    file: `curves-${d}.svg`,
    caption: `${d} layers: validation error with He's init and with Xavier (Fig 3 ${
      d === 22 ? "left" : "right"
    })`,
    svg: lineChart({
      title: `${d}-layer ReLU net: validation top-1 error (centre crop)`,
      xLabel: "epoch",
      yLabel: "top-1 error",
      series: (["he", "xavier"] as const).map((i) => ({
        name: i === "he" ? "He" : "Xavier",
        points: get(d, i).curve.map((p) => [p.epoch, p.err] as [number, number]),
      })),
    }),
  }));
  return plots;
}
