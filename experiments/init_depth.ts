/**
 * init-depth: v1 Figs 2-3 = ICCV Fig 3. Deep ReLU nets trained from scratch with He's initialization and with
 * "Xavier" (std sqrt(1/n)): the 22-layer model B of Table 3 and the 30-layer extension of the 14-layer model
 * (16 more 2x2 convs). Top-1 error on centre crops at fractions of an epoch, the epochs at which each curve
 * first drops a given distance below chance, the conv1 weight gradient at every evaluation point, and the
 * 30-layer net against the 14-layer model of small-model trained with the same recipe (the paper: extreme depth
 * did not help).
 */
import { scalingText } from "../lib/models/zoo.ts";
import { type Experiment, register, type RunContext } from "../lib/experiments/registry.ts";
import { loadData, resultBase, runRecord, trainNetwork } from "../lib/experiments/common.ts";
import { firstCrossing } from "../lib/experiments/stats.ts";
import { scheduleText } from "../lib/experiments/recipe.ts";
import {
  BATCH_NOTE,
  PIXEL_SCALE,
  smallConfig,
  smallGeometry,
  smallLabel,
  smallSpec,
  smallTier,
} from "../lib/experiments/small_family.ts";
import {
  LARGE_INIT,
  largeConfig,
  largeLabel,
  largeSpec,
  largeTier,
} from "../lib/experiments/large_family.ts";
import { viewBatch } from "../lib/data/augment.ts";
import { spreadIndices } from "../lib/data/dataset.ts";
import type { InitScheme } from "../lib/init.ts";
import type { Network } from "../lib/models/network.ts";
import * as ops from "../lib/ops.ts";
import {
  type Claim,
  type Comparison,
  type Metric,
  type RunRecord,
  writeResult,
} from "../lib/results/result.ts";
import { lineChart } from "../lib/results/svg.ts";
import { evaluateViews } from "../lib/train/evaluate.ts";
import type { EvalPoint } from "../lib/train/trainer.ts";
import { Tensor, tidy } from "../lib/tensor.ts";

const experiment: Experiment = {
  id: "init-depth",
  title: "Initialization and depth: 22- and 30-layer ReLU nets with He's init and with Xavier",
  paperRef: "ICCV Fig 3 (v1 Figs 2-3)",
  tiers: ["smoke", "default", "gpu"],
  run,
};
register(experiment);

const XAVIER: InitScheme = { kind: "xavier" };
/** The 14-layer family is initialized with the forward form (as small-model); model B with the backward one. */
const HE_SMALL: InitScheme = { kind: "he-forward" };

/** Drops below chance (in points) whose first crossing the digest reads off the paper's curves. */
const DROPS = [1, 2, 5, 10, 15, 20];
/** [digitized] first epoch below 0.99, 0.98, 0.95, 0.90, 0.85, 0.80 (chance 0.999): ours / Xavier, 22 layers. */
const PAPER_22: [string, string][] = [
  ["0.45", "0.63"],
  ["0.57", "0.80"],
  ["1.14", "1.58"],
  ["1.58", "2.42"],
  ["2.15", "not reached"],
  ["2.75", "not reached"],
];
/** [digitized] final centre-crop top-1 error, ours / Xavier, read off the end of each of Fig 3's curves. */
const FINAL_ERRORS: [22 | 30, string, string][] = [
  [22, "0.788 / 0.855 at 3 epochs", "ICCV Fig 3 left [digitized]"],
  [30, "0.795 / 0.999 at 9.9 epochs", "ICCV Fig 3 right [digitized]"],
];
/** Evaluation points inside every epoch (the paper plots error every quarter epoch or so). */
const FRACTIONS = [0.25, 0.5, 0.75];

interface DepthRun {
  depth: 22 | 30;
  init: "he" | "xavier";
  label: string;
  points: EvalPoint[];
  trainErr: number;
  tenViewTop1: number;
}

/** RMS of conv1's weight gradient on a fixed batch (dropout off); leaves no gradients behind. */
async function conv1GradRms(net: Network, x: Float32Array, labels: number[]): Promise<number> {
  tidy(() =>
    ops.softmaxCrossEntropy(
      net.forward(Tensor.fromArray(net.backend, x, [labels.length, ...net.spec.input]), {
        training: false,
        seed: 0,
      }),
      Tensor.fromArray(net.backend, labels, [labels.length]),
    ).backward()
  );
  const g = await net.convs[0].weight.tensor.grad!.toArray();
  for (const p of net.parameters()) {
    p.tensor.grad?.dispose();
    p.tensor.grad = null;
  }
  return Math.sqrt(g.reduce((a, v) => a + v * v, 0) / g.length);
}

async function run(ctx: RunContext): Promise<void> {
  const small = smallTier(ctx, experiment.id);
  const large = largeTier(ctx, experiment.id);
  const started = performance.now();
  // Both families use the same normalization, so one data load serves all.
  const data = await loadData(ctx, small, PIXEL_SCALE);
  const seed = (ctx.seeds ?? [1])[0];
  const chance = 1 - 1 / data.train.classes.length;
  const { side, crop } = smallGeometry(data);
  const probeIndices = spreadIndices(data.test.count, 32);
  const probeX = viewBatch(data.test, probeIndices, side, crop, [2, 2, false], data.norm);
  const probeLabels = probeIndices.map((i) => data.test.labels[i]);
  const probe = (net: Network) => async () => ({
    conv1GradRms: await conv1GradRms(net, probeX, probeLabels),
  });

  const runs: RunRecord[] = [];
  const depthRuns: DepthRun[] = [];
  const trainOne = async (depth: 22 | 30, init: "he" | "xavier") => {
    const scheme = init === "xavier" ? XAVIER : depth === 22 ? LARGE_INIT : HE_SMALL;
    const spec = depth === 22
      ? largeSpec("B", large, data, "relu", scheme)
      : smallSpec(small, data, "relu", scheme, 16);
    const config = depth === 22
      ? largeConfig(large, data, seed, FRACTIONS)
      : smallConfig(small, data, seed, FRACTIONS);
    const label = depth === 22 ? largeLabel(spec, scheme, data, seed) : smallLabel(spec, scheme, data, seed);
    const { net, result } = await trainNetwork(ctx, experiment, { label, spec, config, data, probe });
    const ten = await evaluateViews(net, data.test, {
      views: "ten",
      side,
      crop,
      norm: data.norm,
      batchSize: 250,
    });
    runs.push(runRecord(`${depth}-layer-${init}`, seed, result, { tenViewTop1Err: ten.top1Err }));
    depthRuns.push({
      depth,
      init,
      label,
      points: result.points,
      trainErr: result.epochs.at(-1)!.trainTop1Err,
      tenViewTop1: ten.top1Err,
    });
    ctx.log(`   ${depth} layers, ${init}: 10-view top-1 error ${(100 * ten.top1Err).toFixed(2)}%`);
  };
  for (const depth of [22, 30] as const) {
    for (const init of ["he", "xavier"] as const) await trainOne(depth, init);
  }

  // The 14-layer model with the same recipe and seed: small-model's ReLU net (reused when it trained it).
  const spec14 = smallSpec(small, data, "relu", HE_SMALL);
  const { net: net14, result: result14 } = await trainNetwork(ctx, experiment, {
    label: smallLabel(spec14, HE_SMALL, data, seed),
    spec: spec14,
    config: smallConfig(small, data, seed),
    data,
  });
  const ten14 = await evaluateViews(net14, data.test, {
    views: "ten",
    side,
    crop,
    norm: data.norm,
    batchSize: 250,
  });
  runs.push(runRecord("14-layer-he", seed, result14, { tenViewTop1Err: ten14.top1Err }));

  const get = (depth: 22 | 30, init: "he" | "xavier") =>
    depthRuns.find((r) => r.depth === depth && r.init === init)!;
  const curve = (r: DepthRun) => r.points.map((p) => ({ epoch: p.epoch, err: p.valTop1Err }));
  const crossing = (r: DepthRun, drop: number) => firstCrossing(curve(r), chance - drop / 100);
  const fmtEpoch = (e: number | null) => (e === null ? "not reached" : e.toFixed(2));
  const pts = (x: number) => (100 * x).toFixed(2);
  const gradAt = (r: DepthRun, which: "first" | "last") =>
    (which === "first" ? r.points[0] : r.points.at(-1)!).probe!.conv1GradRms;

  const comparison: Comparison[] = [];
  DROPS.forEach((drop, i) => {
    comparison.push({
      metric: `22 layers: first epoch ${drop} point(s) below chance (He / Xavier)`,
      paper: `${PAPER_22[i][0]} / ${PAPER_22[i][1]}`,
      ours: `${fmtEpoch(crossing(get(22, "he"), drop))} / ${fmtEpoch(crossing(get(22, "xavier"), drop))}`,
      source: "ICCV Fig 3 left [digitized]",
      note: `paper: below ${(0.999 - drop / 100).toFixed(3)} with chance 0.999; ours below ${
        (chance - drop / 100).toFixed(3)
      }`,
    });
  });
  for (const [depth, paper, source] of FINAL_ERRORS) {
    comparison.push({
      metric: `${depth} layers: final centre-crop top-1 error (He / Xavier)`,
      paper,
      ours: `${get(depth, "he").points.at(-1)!.valTop1Err.toFixed(3)} / ${
        get(depth, "xavier").points.at(-1)!.valTop1Err.toFixed(3)
      }`,
      source,
      note: `chance ${chance.toFixed(3)} here, 0.999 in the paper`,
    });
  }
  for (const depth of [22, 30] as const) {
    comparison.push({
      metric: `${depth} layers: conv1 gradient RMS, Xavier / He, at init and at the end`,
      paper: depth === 30 ? 'Xavier\'s gradients "all diminishing" (v1 Fig 3 caption)' : null,
      ours: `${
        (gradAt(get(depth, "xavier"), "first") / gradAt(get(depth, "he"), "first")).toExponential(2)
      } / ${(gradAt(get(depth, "xavier"), "last") / gradAt(get(depth, "he"), "last")).toExponential(2)}`,
      source: "v1 Fig 3 caption",
    });
  }
  comparison.push({
    metric: "10-view top-1 error %: 30-layer vs 14-layer (ReLU, He, same recipe)",
    paper: "38.56 vs 33.82",
    ours: `${pts(get(30, "he").tenViewTop1)} vs ${pts(ten14.top1Err)}`,
    source: "Sec. 3.2 text",
  });
  comparison.push({
    metric: "final training error %: 30-layer vs 14-layer",
    paper: 'higher for the deeper model (ICCV: "increase of training error")',
    ours: `${pts(get(30, "he").trainErr)} vs ${pts(result14.epochs.at(-1)!.trainTop1Err)}`,
    source: "ICCV Sec. 3.2",
  });

  const claims: Claim[] = [];
  const below = (r: DepthRun) => chance - r.points.at(-1)!.valTop1Err;
  const converged = (r: DepthRun) => below(r) >= 0.1;
  claims.push({
    id: "he-converges-30",
    text: "He's init makes the 30-layer ReLU net converge",
    paper: "ICCV Fig 3 right: error falls from 0.999 to 0.795 in 9.9 epochs",
    verdict: converged(get(30, "he")) ? "reproduced" : "not reproduced",
    rule: "final centre-crop error at least 10 points below chance",
    evidence: `final ${pts(get(30, "he").points.at(-1)!.valTop1Err)}% vs chance ${pts(chance)}%`,
  });
  const xavier30 = get(30, "xavier");
  const bestDrop = Math.max(...xavier30.points.map((p) => chance - p.valTop1Err));
  claims.push({
    id: "xavier-stalls-30",
    text: "Xavier's init stalls the 30-layer net at chance for the whole run",
    paper: "ICCV Fig 3 right: flat at 0.999 (chance) for 9.9 epochs",
    verdict: bestDrop < 0.02 ? "reproduced" : bestDrop >= 0.05 ? "not reproduced" : "inconclusive",
    rule: "every evaluation point within 2 points of chance: reproduced; any 5 or more below: not reproduced",
    evidence: `largest drop below chance ${pts(bestDrop)} points over ${xavier30.points.length} points`,
  });
  claims.push({
    id: "both-converge-22",
    text: "At 22 layers both initializations converge",
    paper: "ICCV Fig 3 left: 0.788 (He) and 0.855 (Xavier) after 3 epochs",
    verdict: converged(get(22, "he")) && converged(get(22, "xavier")) ? "reproduced" : "not reproduced",
    rule: "both final centre-crop errors at least 10 points below chance",
    evidence: `He ${pts(below(get(22, "he")))}, Xavier ${pts(below(get(22, "xavier")))} points below chance`,
  });
  let heWins = 0;
  let xavierWins = 0;
  const races: string[] = [];
  for (const drop of DROPS) {
    const h = crossing(get(22, "he"), drop);
    const x = crossing(get(22, "xavier"), drop);
    if (h === null && x === null) continue;
    if (h !== null && (x === null || h < x)) heWins++;
    else if (x !== null && (h === null || x < h)) xavierWins++;
    races.push(`-${drop}: ${fmtEpoch(h)} vs ${fmtEpoch(x)}`);
  }
  const raced = races.length;
  claims.push({
    id: "he-earlier-22",
    text: "At 22 layers He's init starts reducing the error earlier than Xavier's",
    paper: "ICCV Fig 3 left: below 0.95 at about 1.1 vs 1.6 epochs",
    verdict: raced >= 2 && heWins >= (2 * raced) / 3
      ? "reproduced"
      : raced >= 2 && xavierWins >= (2 * raced) / 3
      ? "not reproduced"
      : "inconclusive",
    rule:
      "over the drops below chance (1, 2, 5, 10, 15, 20 points) either curve reaches: He first on at least 2/3 of them (and 2 or more reached) reproduced; Xavier first on 2/3 not reproduced",
    evidence: `first epoch He vs Xavier: ${races.join("; ") || "no drop reached"}`,
  });
  const ratioFirst = gradAt(xavier30, "first") / gradAt(get(30, "he"), "first");
  const ratioLast = gradAt(xavier30, "last") / gradAt(get(30, "he"), "last");
  claims.push({
    id: "xavier-gradients-vanish-30",
    text:
      "With Xavier's init the 30-layer net's first-layer gradients are orders of magnitude smaller than He's",
    paper: 'v1 Fig 3 caption: "we also verify that its gradients are all diminishing"',
    verdict: ratioFirst < 0.1 && ratioLast < 0.1
      ? "reproduced"
      : ratioFirst >= 0.1 && ratioLast >= 0.1
      ? "not reproduced"
      : "inconclusive",
    rule: "conv1 weight-gradient RMS of Xavier / He below 0.1 at initialization and at the last point",
    evidence: `ratio ${ratioFirst.toExponential(2)} at init, ${ratioLast.toExponential(2)} at the end`,
  });
  const depthGap = get(30, "he").tenViewTop1 - ten14.top1Err;
  claims.push({
    id: "depth-no-help",
    text: "The 30-layer net ends no better than the 14-layer model trained the same way",
    paper: "Sec. 3.2: 38.56 (30 layers) vs 33.82 (14 layers) top-1",
    verdict: depthGap >= -0.01 ? "reproduced" : "not reproduced",
    rule: "10-view top-1 error of the 30-layer net at most 1 point below the 14-layer model's (same seed)",
    evidence: `30 - 14 layers = ${pts(depthGap)} points`,
  });

  const metrics: Record<string, Metric> = {};
  for (const r of depthRuns) {
    metrics[`top1.final.${r.depth}.${r.init}`] = {
      values: [100 * r.points.at(-1)!.valTop1Err],
      description: `${r.depth} layers, ${r.init}: final centre-crop top-1 error, %`,
      floor: 2,
    };
  }
  for (const depth of [22, 30] as const) {
    for (const which of ["first", "last"] as const) {
      metrics[`log10.conv1GradRatio.${depth}.${which === "first" ? "init" : "end"}`] = {
        // Clamped: a gradient that underflows to 0 would give -Infinity.
        values: [
          Math.log10(Math.max(gradAt(get(depth, "xavier"), which) / gradAt(get(depth, "he"), which), 1e-30)),
        ],
        floor: 0.5,
        description: `${depth} layers: log10 conv1 gradient RMS Xavier / He ${
          which === "first" ? "at init" : "at the end"
        }`,
      };
    }
  }
  metrics["top1.10view.30.he"] = {
    values: [100 * get(30, "he").tenViewTop1],
    floor: 2,
    description: "30 layers: 10-view top-1, %",
  };
  metrics["top1.10view.14.he"] = {
    values: [100 * ten14.top1Err],
    floor: 2,
    description: "14 layers: 10-view top-1, %",
  };

  const series = (depth: 22 | 30) =>
    (["he", "xavier"] as const).map((init) => ({
      name: init === "he" ? "He (ours in the paper)" : "Xavier",
      points: curve(get(depth, init)).map((p) => [p.epoch, p.err] as [number, number]),
    }));
  const chanceLine = (depth: 22 | 30) => ({
    name: "chance",
    points: [[0, chance], [get(depth, "he").points.at(-1)!.epoch, chance]] as [number, number][],
    dashed: true,
  });
  const gradSeries = (depth: 22 | 30) =>
    (["he", "xavier"] as const).map((init) => ({
      name: `${depth} layers, ${init === "he" ? "He" : "Xavier"}`,
      points: get(depth, init).points.map((p) => [p.epoch, p.probe!.conv1GradRms] as [number, number]),
      dashed: depth === 22,
    }));
  const plots = [
    {
      file: "depth22.svg",
      svg: lineChart({
        title: "22 layers (model B, ReLU): centre-crop top-1 error",
        xLabel: "epoch",
        yLabel: "top-1 error",
        series: [...series(22), chanceLine(22)],
      }),
    },
    {
      file: "depth30.svg",
      svg: lineChart({
        title: "30 layers (ReLU): centre-crop top-1 error",
        xLabel: "epoch",
        yLabel: "top-1 error",
        series: [...series(30), chanceLine(30)],
      }),
    },
    {
      file: "gradients.svg",
      svg: lineChart({
        title: "conv1 weight-gradient RMS during training",
        xLabel: "epoch",
        yLabel: "RMS (log)",
        series: [...gradSeries(22), ...gradSeries(30)],
        logY: true,
      }),
    },
  ];

  await writeResult(ctx.outDir, {
    ...(await resultBase(ctx, experiment, data, [seed], started)),
    config: {
      small: smallConfig(small, data, seed, FRACTIONS),
      large: largeConfig(large, data, seed, FRACTIONS),
      inits: { he22: LARGE_INIT, he30: HE_SMALL, xavier: XAVIER },
      thresholdsBelowChance: DROPS,
    },
    runs,
    metrics,
    comparison,
    claims,
    differences: [
      `Data: ${data.train.count} ${data.dataset} images (${data.train.classes.length} classes, chance ${
        pts(chance)
      }%), not ImageNet (1000 classes, chance 99.9%); thresholds are the paper's drops below chance.`,
      `22 layers: model B scaled as in models-abc (${
        scalingText(large.scaling)
      }), ${large.epochs} epochs (the paper plots 3); the backward form of He's init, as the paper trained its large models.`,
      `30 layers: the scaled 14-layer model of small-model (${
        scalingText(small.scaling)
      }) with 16 more 2x2 convs at the end of the conv3 stage (where the paper put them is UNCONFIRMED); ${small.epochs} epochs (the paper plots 9.9); He's forward form.`,
      `Error measured on ${small.evalLimit} test images spread over the classes at quarter epochs (the paper: 3,000 random val images, centre crop) and on all ${data.test.count} at epoch ends.`,
      "fc layers keep the paper's fixed stds (rescaled to keep their gains) under both initializations; Xavier applies to the conv layers.",
      `One seed (${seed}); the paper shows one run per curve. ${
        scheduleText(smallConfig(small, data, seed, FRACTIONS))
      }.`,
      ...(small.batch === 128 ? [] : [`Batch ${small.batch}: ${BATCH_NOTE}.`]),
      "conv1 gradient RMS measured on 32 centre-cropped test images with dropout off, at every evaluation point.",
    ],
    plots: [
      { file: "depth22.svg", caption: "22-layer model B: He vs Xavier (ICCV Fig 3 left)" },
      { file: "depth30.svg", caption: "30-layer model: He vs Xavier (ICCV Fig 3 right)" },
      { file: "gradients.svg", caption: "conv1 weight-gradient RMS at each evaluation point" },
    ],
    notes: [],
  }, plots).then((dir) => ctx.log(`wrote ${dir}/result.json, result.md and plots`));
}
