/**
 * init-depth: ICCV Fig 3 (v1 Figs 2-3, He, Zhang, Ren, Sun 2015). The 22-layer model B and the 30-layer extension
 * of the 14-layer model, with ReLU, trained with He's init and with "Xavier": validation error at evaluation
 * points over the run, the first epoch each curve drops below thresholds, conv1 gradients, and the 30-layer net
 * against the 14-layer one trained the same way: every net with the small family's rate and batches and He's init
 * on its fc layers (a zero classifier, the small family's default head, holds 30-layer nets on the plateau longer),
 * so model B here may differ from models-abc's in rate, and the 14-layer net from small-model's in its classifier.
 *
 *   deno task exp init-depth --tier default     # about 7 min on 2 cores with no GPU
 */
import type { Experiment, RunContext } from "../lib/experiments/registry.ts";
import * as common from "../lib/experiments/common.ts";
import * as small from "../lib/experiments/small_family.ts";
import * as large from "../lib/experiments/large_family.ts";
import { conv1GradProbe, correctness, scoresOn } from "../lib/experiments/measure.ts";
import { depthPlots, depthReport, type DepthRun, HE_SMALL, XAVIER } from "../lib/experiments/depth_report.ts";
import * as claims from "../lib/results/claims.ts";
import { pct } from "../lib/results/format.ts";
import { writeResult } from "../lib/results/result.ts";
import { OFF_CHANCE } from "../lib/results/stats.ts";
import { siblingSeedNoise } from "../lib/experiments/seed_noise.ts";
import { Network } from "../lib/models/network.ts";
import { Rng } from "../lib/rng.ts";

export const experiment: Experiment = {
  id: "init-depth",
  title: "Initialization and depth: 22- and 30-layer ReLU nets with He's init and with Xavier",
  paperRef: "ICCV Fig 3 (v1 Figs 2-3)",
  tiers: ["smoke", "default", "gpu"],
  run,
};

/** Freshly drawn pairs of 30-layer nets for the gradient claim. */
const GRADIENT_DRAWS = { smoke: 4, other: 16 };

async function run(ctx: RunContext): Promise<void> {
  const st = small.withHeHead(small.smallTier(ctx, experiment.id));
  // One recipe for every curve of Fig 3 (depth and init are what differ between them): the small family's, as at
  // lr 0.02 with class-balanced batches the 30-layer net with He's init fell back to chance after leaving it. Its
  // length too, and no rescaled classifier: that would undo the shrinking output that Fig 3 compares. Its
  // validation points too, so that every curve is read at the same steps.
  const lt = {
    ...large.largeTier(ctx, experiment.id),
    lr: st.lr,
    balancedBatches: st.balancedBatches,
    epochs: st.epochs,
    classifierLogitStd: undefined,
    evalPoints: st.evalPoints,
    earlyEvalPoints: undefined,
  };
  const started = performance.now();
  const data = await common.loadData(ctx, st, small.PIXEL_SCALE);
  const seed = (ctx.seeds ?? [1])[0];
  const chance = 1 - 1 / data.train.classes.length;
  // Model B sees the large family's crops, the 14- and 30-layer nets the small family's (the same at 32 px, not
  // on other sides, e.g. 25 against 24 at 28 px).
  const views = { small: small.smallGeometry(data, st), large: large.largeGeometry(data, lt) };
  const probes = {
    small: conv1GradProbe(data, views.small.side, views.small.crop, 32),
    large: conv1GradProbe(data, views.large.side, views.large.crop, 32),
  };
  const runs: DepthRun[] = [];
  const trainOne = async (depth: 14 | 22 | 30, init: "he" | "xavier") => {
    const family = depth === 22 ? "large" : "small";
    const { side, crop } = views[family];
    const scheme = init === "xavier" ? XAVIER : depth === 22 ? large.LARGE_INIT : HE_SMALL;
    const spec = depth === 22
      ? large.largeSpec("B", lt, data, "relu", scheme)
      : small.smallSpec(st, data, "relu", scheme, depth === 30 ? 16 : 0);
    const config = depth === 22 ? large.largeConfig(lt, data, seed) : small.smallConfig(st, data, seed);
    const label = depth === 22
      ? large.largeLabel(spec, scheme, data, config)
      : small.smallLabel(spec, scheme, data, config);
    // The 14-layer net is small-model's where the recipes agree: the same request (no probe), so a stored one is
    // reused.
    const model = await common.trainNetwork(ctx, experiment, {
      label,
      spec,
      config,
      data,
      probe: depth === 14 ? undefined : probes[family],
    });
    const centre = await scoresOn(ctx, model, data, "test", { kind: "views", views: "center", side, crop });
    const curve = model.result.points.map((p) => ({ epoch: p.epoch, err: p.valTop1Err }));
    runs.push({ depth, init, model, curve, centre });
    ctx.log(`   ${depth} layers, ${init}: centre top-1 error ${pct(centre.top1Err)}%`);
  };
  for (const depth of [22, 30] as const) {
    for (const init of ["he", "xavier"] as const) await trainOne(depth, init);
  }
  await trainOne(14, "he");
  const get = (depth: number, init: string) => runs.find((r) => r.depth === depth && r.init === init)!;
  // Inner points see evalLimit validation images: the noise band of the smaller sample.
  const valImages = Math.min(st.evalLimit, data.val.count);
  const left = (r: DepthRun) =>
    claims.leftChance(`${r.depth} layers with ${r.init}`, r.curve, chance, valImages);
  const interval = get(22, "he").curve[1].epoch - get(22, "he").curve[0].epoch;
  // The gradient claim is about initialization: measured on pairs of freshly drawn 30-layer nets (a single
  // net's ratio scatters by a factor of 2 or more at these widths).
  const gradRatios: number[] = [];
  for (let k = 0; k < GRADIENT_DRAWS[ctx.tier === "smoke" ? "smoke" : "other"]; k++) {
    const rms = async (scheme: typeof XAVIER) => {
      const net = new Network(
        small.smallSpec(st, data, "relu", scheme, 16),
        await common.gpuBackend(),
        new Rng(900 + k),
      );
      const { conv1GradRms } = await probes.small(net)();
      net.dispose();
      return conv1GradRms;
    };
    gradRatios.push((await rms(XAVIER)) / (await rms(HE_SMALL)));
  }
  const classes = data.train.classes.length;
  const list: claims.Claim[] = [
    claims.stall({
      id: "he-converges-30",
      text: "He's init makes the 30-layer ReLU net converge",
      paper: "ICCV Fig 3 right: error falls from 0.999 to 0.795 in 9.9 epochs",
      regime: "onset",
      // The paper's curve is below 0.95 by about 1.5 epochs: a shorter run that stays at chance shows nothing.
      window: 1.5,
      curve: { label: "30 layers with He", points: get(30, "he").curve },
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
      curve: { label: "30 layers with Xavier", points: get(30, "xavier").curve },
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
      curve: { label: "22 layers with Xavier", points: get(22, "xavier").curve },
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
      a: { label: "He", points: get(22, "he").curve },
      b: { label: "Xavier", points: get(22, "xavier").curve },
      threshold: chance - OFF_CHANCE,
      interval,
    }),
    claims.nearTarget({
      id: "xavier-gradients-vanish-30",
      text: "With Xavier's init the 30-layer net's first-layer gradient is far smaller than with He's",
      paper: 'v1 Fig 3 caption: "we also verify that its gradients are all diminishing"',
      values: { label: "conv1's weight-gradient RMS, Xavier's over He's, at init", values: gradRatios },
      target: 2 ** -13,
      log2: true,
      tolerance: 0.5,
      why:
        "against the 2^-13 of 26 conv layers (conv2-conv27) of halved gradient variance: the fc layers are " +
        "He-initialized in both nets and conv1's own weights do not scale its weight gradient; one pair of " +
        "freshly drawn nets a draw",
    }),
    claims.oneSeedPair({
      id: "depth-no-help",
      text: "The 14-layer model beats the 30-layer net trained the same way (extreme depth does not help)",
      paper: "Sec. 3.2: 33.82 (14 layers) vs 38.56 (30 layers) top-1",
      regime: "converged",
      a: { label: "14 layers", correct: correctness(get(14, "he").centre, classes, 1) },
      b: { label: "30 layers", correct: correctness(get(30, "he").centre, classes, 1) },
      test: "better",
      metric: "centre top-1",
      seedNoise: await siblingSeedNoise(ctx.outDir, "small-model", ctx.tier, "centerTop1Err"),
      preconditions: [left(get(14, "he")), left(get(30, "he"))],
    }),
  ];
  const plots = depthPlots(runs);
  await writeResult(ctx.outDir, {
    ...(await common.resultBase(ctx, experiment, data, [seed], started)),
    ...depthReport({ st, lt, data, seed, chance, runs, interval, valImages }),
    claims: list,
    plots: plots.map(({ file, caption }) => ({ file, caption })),
  }, plots).then((dir) => ctx.log(`wrote ${dir}/result.json, result.md and plots`));
}
