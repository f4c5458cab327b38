/**
 * init-depth's claims and report: the paper's Fig 3 numbers beside ours, the metrics the regression check
 * follows, the differences from the paper, and the two panels of Fig 3. At the long tier the depth claim compares
 * converged nets over seeds, training error beside test error. Also the init regime's measurement its gradient
 * claim reads: conv1's gradient, Xavier's over He's, on freshly drawn 30-layer nets.
 */
import { DEPTH_TOP1, FIG3, SMALL_EPOCHS } from "../paper/facts.ts";
import * as common from "./common.ts";
import * as large from "./large_family.ts";
import * as small from "./small_family.ts";
import { siblingSeedNoise } from "./seed_noise.ts";
import { readShard, type ShardTraining } from "./shards.ts";
import type { SmallNetMeasurements } from "./small_measure.ts";
import type { InitScheme } from "../init.ts";
import * as claims from "../results/claims.ts";
import { meanSd, pct, percentMetric, row } from "../results/format.ts";
import type { Comparison, Metric } from "../results/result.ts";
import { firstCrossing, OFF_CHANCE } from "../results/stats.ts";
import { lineChart } from "../results/svg.ts";
import type { RunContext } from "./registry.ts";
import type { conv1GradProbe } from "./measure.ts";
import { Network } from "../models/network.ts";
import { Rng } from "../rng.ts";

export const XAVIER: InitScheme = { kind: "xavier" };
/** The 14-layer family uses the forward form (as small-model); model B the backward one (as models-abc). */
export const HE_SMALL: InitScheme = { kind: "he-forward" };
const PAPER = FIG3;
/** Sec. 3.2's 14- and 30-layer errors as the paper states them. */
const [PAPER_14, PAPER_30] = [DEPTH_TOP1[14], DEPTH_TOP1[30]].map((e) => e.toFixed(2));
const DEPTH_PAPER = `${PAPER_14} (14 layers) vs ${PAPER_30} (30 layers) top-1`;
const DEPTH_PAIR = `${PAPER_14} / ${PAPER_30} (10-view)`;

export interface DepthRun {
  variant: string;
  depth: 14 | 22 | 30;
  init: "he" | "xavier";
  seed: number;
  /** Trained until converged by the long recipe (the depth claim), not a Fig 3 curve. */
  converged: boolean;
  training: ShardTraining;
  centre: { top1Err: number; top5Err: number; count: number };
  predictions: string;
}

const curve = (r: DepthRun) => r.training.points.map((p) => ({ epoch: p.epoch, err: p.valTop1Err }));
/** The Fig 3 curve (or, below the long tier, the only net) of a depth and init. */
const curveRun = (runs: DepthRun[], depth: number, init: string) =>
  runs.find((r) => r.depth === depth && r.init === init && !r.converged) ??
    runs.find((r) => r.depth === depth && r.init === init)!;
const convergedRuns = (runs: DepthRun[], depth: number) =>
  runs.filter((r) => r.depth === depth && r.converged);
const trainErr = (r: DepthRun) => r.training.epochs.at(-1)!.trainTop1Err;

/**
 * The depth claim's 14-layer nets at the long tier: small-model's published ReLU shards (the same request as
 * a 14-layer net of this experiment would be), or null, said in the log, while one is not published yet.
 */
export async function smallModelReluRuns(ctx: RunContext, seeds: number[]): Promise<DepthRun[] | null> {
  const runs: DepthRun[] = [];
  for (const seed of seeds) {
    const r = await readShard<SmallNetMeasurements>(ctx.outDir, "small-model", "long", "relu", seed);
    if (!r) {
      ctx.log(`init-depth: small-model's shard relu seed ${seed} is not published yet; train it first`);
      return null;
    }
    const { centre, predictions } = r.measurements;
    runs.push({
      variant: "14-he",
      depth: 14,
      init: "he",
      seed,
      converged: true,
      training: r.training,
      centre,
      predictions,
    });
  }
  return runs;
}

/** The held-out images each point of Fig 3's curves is validated on (their recipe's sample, `lt` at both depths). */
export function curveValImages(lt: large.LargeTier, data: common.LoadedData): number {
  return Math.min(lt.evalLimit, data.val.count);
}

export interface ClaimInputs {
  ctx: RunContext;
  chance: number;
  runs: DepthRun[];
  gradRatios: number[];
  correct: (r: DepthRun) => boolean[];
  valImages: number;
}

export async function depthClaims(o: ClaimInputs): Promise<claims.Claim[]> {
  const { chance, runs, valImages } = o;
  const get = (depth: number, init: string) => curveRun(runs, depth, init);
  const left = (r: DepthRun) =>
    claims.leftChance(`${r.depth} layers with ${r.init}`, curve(r), chance, valImages);
  const interval = curve(get(22, "he"))[1].epoch - curve(get(22, "he"))[0].epoch;
  const line = (r: DepthRun, label: string) => ({ label, points: curve(r) });
  const list: claims.Claim[] = [
    claims.stall({
      id: "he-converges-30",
      text: "He's init makes the 30-layer ReLU net converge",
      paper: "ICCV Fig 3 right: error falls from 0.999 to 0.795 in 9.9 epochs",
      regime: "onset",
      // The paper's curve is below 0.95 by about 1.5 epochs: a shorter run that stays at chance shows nothing.
      window: 1.5,
      curve: line(get(30, "he"), "30 layers with He"),
      chance,
      valImages,
      expect: "leaves",
    }),
    claims.stall({
      id: "xavier-stalls-30",
      text: "Xavier's init stalls the 30-layer net at chance for the whole run",
      paper: "ICCV Fig 3 right: flat at 0.999 (chance) for 9.9 epochs",
      regime: "onset",
      window: 9.9,
      curve: line(get(30, "xavier"), "30 layers with Xavier"),
      chance,
      valImages,
      // Only a stall that shorter nets with Xavier escape in the same budget says something about depth.
      preconditions: [left(get(30, "he")), left(get(22, "xavier"))],
    }),
    claims.stall({
      id: "xavier-converges-22",
      text: "At 22 layers Xavier's init also converges (as He's does)",
      paper: "ICCV Fig 3 left: 0.788 (He) and 0.855 (Xavier) after 3 epochs",
      regime: "onset",
      // The paper's Xavier curve is below 0.95 by about 1.6 epochs.
      window: 1.6,
      curve: line(get(22, "xavier"), "22 layers with Xavier"),
      chance,
      valImages,
      expect: "leaves",
      preconditions: [left(get(22, "he"))],
    }),
    claims.earlier({
      id: "he-earlier-22",
      text: "At 22 layers He's init starts reducing the error earlier than Xavier's",
      paper: "ICCV Fig 3 left: below 0.95 at about 1.1 vs 1.6 epochs",
      regime: "onset",
      a: line(get(22, "he"), "He"),
      b: line(get(22, "xavier"), "Xavier"),
      threshold: chance - OFF_CHANCE,
      interval,
    }),
    claims.nearTarget({
      id: "xavier-gradients-vanish-30",
      text: "With Xavier's init the 30-layer net's first-layer gradient is far smaller than with He's",
      paper: 'v1 Fig 3 caption: "we also verify that its gradients are all diminishing"',
      values: { label: "conv1's weight-gradient RMS, Xavier's over He's, at init", values: o.gradRatios },
      target: 2 ** -13,
      log2: true,
      tolerance: 0.5,
      why:
        "against the 2^-13 of 26 conv layers (conv2-conv27) of halved gradient variance: the fc layers are " +
        "He-initialized in both nets and conv1's own weights do not scale its weight gradient; one pair of " +
        "freshly drawn nets a draw",
    }),
  ];
  const deep = convergedRuns(runs, 30);
  const shallow = convergedRuns(runs, 14);
  if (!deep.length) {
    list.push(claims.oneSeedPair({
      id: "depth-no-help",
      text: "The 14-layer model beats the 30-layer net trained the same way (extreme depth does not help)",
      paper: `Sec. 3.2: ${DEPTH_PAPER}`,
      regime: "converged",
      a: { label: "14 layers", correct: o.correct(get(14, "he")) },
      b: { label: "30 layers", correct: o.correct(get(30, "he")) },
      test: "better",
      metric: "centre top-1",
      seedNoise: await siblingSeedNoise(o.ctx.outDir, "small-model", o.ctx.tier, "centerTop1Err"),
      preconditions: [left(get(14, "he")), left(get(30, "he"))],
    }));
    return list;
  }
  list.push(
    claims.better({
      id: "depth-no-help",
      text: "The 14-layer model beats the 30-layer net trained the same way (extreme depth does not help)",
      paper: `Sec. 3.2: ${DEPTH_PAPER}`,
      regime: "converged",
      a: { label: "14 layers", values: shallow.map((r) => r.centre.top1Err) },
      b: { label: "30 layers", values: deep.map((r) => r.centre.top1Err) },
    }),
    claims.better({
      id: "depth-higher-training-error",
      text:
        "The 30-layer net's training error is higher than the 14-layer net's (the degradation is not overfitting)",
      paper: "ICCV Sec. 3.2: the 30-layer net degrades because of the increase of training error",
      regime: "converged",
      a: { label: "14 layers", values: shallow.map(trainErr) },
      b: { label: "30 layers", values: deep.map(trainErr) },
    }),
  );
  return list;
}

export interface Outcome {
  st: small.SmallTier;
  lt: large.LargeTier;
  data: common.LoadedData;
  chance: number;
  runs: DepthRun[];
  long: boolean;
}

export function depthReport(o: Outcome) {
  const { st, lt, data, chance, runs } = o;
  const get = (depth: number, init: string) => curveRun(runs, depth, init);
  const seed = get(22, "he").seed;
  const grad = (r: DepthRun, at: "first" | "last") =>
    (at === "first" ? r.training.points[0] : r.training.points.at(-1)!).probe!.conv1GradRms;
  const crossing = (r: DepthRun) => firstCrossing(curve(r), chance - OFF_CHANCE);
  const ep = (x: number | null) => (x === null ? "not reached" : x.toFixed(2));
  const pair = (d: number, f: (r: DepthRun) => string) => `${f(get(d, "he"))} / ${f(get(d, "xavier"))}`;
  const last = (r: DepthRun) => curve(r).at(-1)!.err.toFixed(3);
  const ratio = (d: number, at: "first" | "last") =>
    (grad(get(d, "xavier"), at) / grad(get(d, "he"), at)).toExponential(2);
  const decay = small.smallConfig(st, data, seed).weightDecay;
  // conv1's gradient against the weight decay's pull on its weights (what a vanishing gradient loses to).
  const pull = (r: DepthRun, at: "first" | "last") => {
    const p = (at === "first" ? r.training.points[0] : r.training.points.at(-1)!).probe!;
    return p.conv1WeightRms === undefined
      ? "?"
      : (p.conv1GradRms / (decay * p.conv1WeightRms)).toExponential(2);
  };
  const deep = convergedRuns(runs, 30);
  const shallow = convergedRuns(runs, 14);
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
    deep.length
      ? row(
        `centre top-1 %, test set: 14 / 30 layers (He, converged, ${deep.length} seeds)`,
        DEPTH_PAIR,
        `${meanSd(shallow.map((r) => r.centre.top1Err))} / ${meanSd(deep.map((r) => r.centre.top1Err))}`,
        "Sec. 3.2",
      )
      : row(
        "centre top-1 %, test set: 14 / 30 layers (He)",
        DEPTH_PAIR,
        `${pct(get(14, "he").centre.top1Err)} / ${pct(get(30, "he").centre.top1Err)}`,
        "Sec. 3.2",
      ),
    ...(deep.length
      ? [row(
        "training error % (last epoch, augmented): 14 / 30 layers (He, converged)",
        "higher at 30 layers",
        `${meanSd(shallow.map(trainErr))} / ${meanSd(deep.map(trainErr))}`,
        "ICCV Sec. 3.2",
      )]
      : []),
    ...[22, 30].map((d) =>
      row(
        `${d} layers: conv1 gradient RMS Xavier / He, init / end`,
        d === 30 ? "diminishing" : null,
        `${ratio(d, "first")} / ${ratio(d, "last")}`,
        "v1 Fig 3",
      )
    ),
    row(
      "30 layers, Xavier: conv1 gradient RMS over weight decay x weight RMS, init / end",
      "diminishing",
      `${pull(get(30, "xavier"), "first")} / ${pull(get(30, "xavier"), "last")}`,
      "v1 Fig 3",
    ),
  ];
  const metrics: Record<string, Metric> = {};
  for (const r of runs.filter((x) => !x.converged)) {
    metrics[`top1.center.${r.depth}.${r.init}`] = percentMetric(
      [r.centre.top1Err],
      `${r.depth} layers, ${r.init}: centre top-1 error`,
    );
  }
  for (const [d, group] of [[14, shallow], [30, deep]] as const) {
    if (!group.length) continue;
    metrics[`top1.center.${d}.he.converged`] = percentMetric(
      group.map((r) => r.centre.top1Err),
      `${d} layers, He, converged: centre top-1 error`,
    );
    metrics[`train.top1.${d}.he.converged`] = percentMetric(
      group.map(trainErr),
      `${d} layers, He, converged: last epoch's training error`,
    );
  }
  for (const d of [22, 30] as const) {
    metrics[`log10.conv1GradRatio.${d}.init`] = {
      values: [Math.log10(Math.max(grad(get(d, "xavier"), "first") / grad(get(d, "he"), "first"), 1e-30))],
      floor: 0.5,
      description: `${d} layers: log10 conv1 gradient RMS Xavier / He at init`,
    };
  }
  const allConverged = deep.length > 0 && [...deep, ...shallow].every((r) => r.training.converged);
  const label = (r: DepthRun) => `${r.depth}-layer-${r.init}${r.converged ? `-converged-seed${r.seed}` : ""}`;
  const heCurve = (d: number) => curve(get(d, "he"));
  const spacing = (d: number) => (heCurve(d)[1].epoch - heCurve(d)[0].epoch).toFixed(3);
  const validations = (d: number) =>
    `${heCurve(d).length} times over ${heCurve(d).at(-1)!.epoch.toFixed(1)} epochs`;
  const curveEpochs = Math.max(...runs.filter((r) => !r.converged).map((r) => curve(r).at(-1)!.epoch));
  const seeds = `${deep.length} seed${deep.length > 1 ? "s" : ""}`;
  const trained = allConverged ? "until converged" : "long, not all converged";
  const longLead = `Fig 3's curves run the paper's lengths (${curveEpochs.toFixed(1)} epochs at most, ` +
    `constant rate) for the claims about the start of training; the depth claim's 30-layer nets (${seeds}) ` +
    `trained ${trained}, beside small-model's 14-layer ReLU nets (the paper trained both for ${SMALL_EPOCHS} ` +
    "epochs):";
  return {
    regime: common.regime(
      // Fig 3's curves (22 and 30 layers) are there to show how long each init sits on the plateau.
      runs.map((r) => ({ ...r.training, label: label(r), plateauMeasured: r.depth !== 14 && !r.converged })),
      // At the long tier the regime is the depth claim's: its 30-layer nets against the paper's, trained out.
      (deep.length ? deep : runs).map((r) => r.centre.top1Err),
      chance,
      deep.length
        ? { epochs: SMALL_EPOCHS, images: common.IMAGENET_TRAIN, batch: 128, err: DEPTH_TOP1[30] / 100 }
        : { epochs: 3, images: common.IMAGENET_TRAIN, batch: 128, err: PAPER.he22Final },
      o.long
        ? longLead
        : "The first part of Fig 3's curves (the paper plots 3 epochs at 22 layers and 9.9 at 30):",
      allConverged ? "converged" : "early",
    ),
    config: {
      small: small.smallConfig(st, data, seed),
      large: large.largeConfig(lt, data, seed),
      inits: { he22: large.LARGE_INIT, he30: HE_SMALL, xavier: XAVIER },
    },
    runs: runs.map((r) =>
      common.runRecord(label(r), r.seed, r.training, {
        centerTop1Err: r.centre.top1Err,
        ...(r.converged ? { trainTop1Err: trainErr(r) } : {}),
      })
    ),
    metrics,
    comparison,
    differences: [
      `22 layers: model B as models-abc scales it (${
        large.largeDifferences(lt, data)[1]
      }); the backward form of He's init, as the paper trained its large models.`,
      `30 layers: small-model's 14-layer net with 16 more 2x2 convs at the end of the conv3 stage (where the paper put them is UNCONFIRMED); He's forward form.`,
      o.long
        ? `One seed per Fig 3 curve, at a constant rate, validated ${validations(22)} at 22 layers and ` +
          `${validations(30)} at 30 on ${curveValImages(lt, data)} held-out images (all ` +
          `${data.val.count} at each epoch's end); the depth ` +
          `claim's 30-layer nets (${deep.length} seeds) and small-model's 14-layer ReLU nets trained by the long ` +
          "recipe. Training error is the running error of the last epoch, on augmented crops. Chance is " +
          `${pct(chance)}% here (10 classes), 99.9% in the paper.`
        : `One seed per curve; a run of ${st.epochs} epochs with validation every ${spacing(22)} epochs on ${
          Math.min(st.evalLimit, data.val.count)
        } held-out images (all ${data.val.count} at the ` +
          `end). Chance is ${pct(chance)}% here (10 classes), 99.9% in the paper.`,
      ...small.smallDifferences(st, data, small.smallConfig(st, data, seed)).slice(2),
    ],
    notes: [],
  };
}

/** Fig 3's two panels: validation error with He's init and with Xavier at 22 and 30 layers. */
export function depthPlots(runs: DepthRun[]) {
  return ([22, 30] as const).map((d) => ({
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
        points: curve(curveRun(runs, d, i)).map((p) => [p.epoch, p.err] as [number, number]),
      })),
    }),
  }));
}

/** Freshly drawn pairs of 30-layer nets for the gradient claim. */
const GRADIENT_DRAWS = { smoke: 4, other: 16 };

/** conv1's gradient RMS, Xavier's over He's, on pairs of freshly drawn 30-layer nets (the init regime). */
export async function gradientRatios(
  ctx: RunContext,
  st: small.SmallTier,
  data: common.LoadedData,
  probe: ReturnType<typeof conv1GradProbe>,
): Promise<number[]> {
  const ratios: number[] = [];
  for (let k = 0; k < GRADIENT_DRAWS[ctx.tier === "smoke" ? "smoke" : "other"]; k++) {
    const rms = async (scheme: typeof XAVIER) => {
      const net = new Network(
        small.smallSpec(st, data, "relu", scheme, 16),
        await common.gpuBackend(),
        new Rng(900 + k),
      );
      const { conv1GradRms } = await probe(net)();
      net.dispose();
      return conv1GradRms;
    };
    ratios.push((await rms(XAVIER)) / (await rms(HE_SMALL)));
  }
  return ratios;
}
