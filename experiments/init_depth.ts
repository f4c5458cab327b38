/**
 * init-depth: ICCV Fig 3 (v1 Figs 2-3, He, Zhang, Ren, Sun 2015). The 22-layer model B and the 30-layer extension
 * of the 14-layer model, with ReLU, trained with He's init and with "Xavier": validation error over the run, the
 * first epoch each curve drops below chance, conv1's gradient against its weight-decay pull, and the 30-layer net
 * against the 14-layer one trained the same way. Every net has the small family's rate, batches and He's init on
 * its fc layers. At the long tier the curves run the paper's lengths (3 epochs at 22 layers, 9.9 at 30) at a
 * constant rate, and the depth claim compares converged nets, three seeds each (the 14-layer ones are
 * small-model's ReLU shards).
 *
 *   deno task exp init-depth --tier default     # minutes on 2 cores with no GPU
 *   ./rectifiers shards --tier long --only init-depth   # the long tier's nets, one command each
 */
import type { Experiment, RunContext } from "../lib/experiments/registry.ts";
import * as common from "../lib/experiments/common.ts";
import * as small from "../lib/experiments/small_family.ts";
import * as large from "../lib/experiments/large_family.ts";
import { conv1GradProbe, scoresOn } from "../lib/experiments/measure.ts";
import {
  predictionsCorrect,
  predictionString,
  type SmallNetMeasurements,
} from "../lib/experiments/small_measure.ts";
import {
  depthClaims,
  depthPlots,
  depthReport,
  type DepthRun,
  HE_SMALL,
  XAVIER,
} from "../lib/experiments/depth_report.ts";
import { readShard, runShards, shardName, type ShardPlan } from "../lib/experiments/shards.ts";
import { pct } from "../lib/results/format.ts";
import { writeResult } from "../lib/results/result.ts";
import { Network } from "../lib/models/network.ts";
import { Rng } from "../lib/rng.ts";

export const experiment: Experiment = {
  id: "init-depth",
  title: "Initialization and depth: 22- and 30-layer ReLU nets with He's init and with Xavier",
  paperRef: "ICCV Fig 3 (v1 Figs 2-3)",
  tiers: ["smoke", "default", "long", "gpu"],
  run,
  shardNames: (ctx) => nets(ctx).map((n) => shardName("init-depth", ctx.tier, n.variant, n.seed)),
};

/** Freshly drawn pairs of 30-layer nets for the gradient claim. */
const GRADIENT_DRAWS = { smoke: 4, other: 16 };
/** Fig 3's spans (epochs) at 22 and 30 layers, the long tier's curve lengths. */
const FIG3_SPAN = { 22: 3, 30: 9.9 };

interface Net {
  variant: string;
  depth: 14 | 22 | 30;
  init: "he" | "xavier";
  seed: number;
  /** A converged net of small-model's long recipe (the depth claim), not a Fig 3 curve. */
  converged: boolean;
}

/** The nets a tier trains: Fig 3's four curves and the 14-layer net, or at the long tier the 30-layer seeds too. */
function nets(ctx: Pick<RunContext, "tier" | "seeds">): Net[] {
  const seed = (ctx.seeds ?? [1])[0];
  const curves = ([22, 30] as const).flatMap((depth) =>
    (["he", "xavier"] as const).map((init) => ({
      variant: `${depth}-${init}`,
      depth,
      init,
      seed,
      converged: false,
    }))
  );
  if (ctx.tier !== "long") {
    return [...curves, { variant: "14-he", depth: 14, init: "he", seed, converged: false }];
  }
  const seeds = ctx.seeds ?? small.SMALL_TIERS.long.seeds;
  return [
    ...curves,
    ...seeds.map((s) => ({
      variant: "30-he-converged",
      depth: 30 as const,
      init: "he" as const,
      seed: s,
      converged: true,
    })),
  ];
}

async function run(ctx: RunContext): Promise<void> {
  const long = ctx.tier === "long";
  const st = small.withHeHead(small.smallTier(ctx, experiment.id));
  // One recipe for every curve of Fig 3 (depth and init are what differ between them): the small family's, at a
  // constant rate (the long tier's curves stop short of its first plateau), with no rescaled classifier (that
  // would undo the shrinking output Fig 3 compares), read at the same validation points.
  const curveTier = (depth: 22 | 30) =>
    long ? { ...st, epochs: FIG3_SPAN[depth], converge: undefined, evalPoints: 39, evalLimit: 1000 } : st;
  const lt = (depth: 22 | 30) => ({
    ...large.largeTier(ctx, experiment.id),
    lr: st.lr,
    balancedBatches: st.balancedBatches,
    epochs: curveTier(depth).epochs,
    batch: st.batch,
    classifierLogitStd: undefined,
    evalPoints: curveTier(depth).evalPoints,
    evalLimit: curveTier(depth).evalLimit,
    earlyEvalPoints: undefined,
  });
  const started = performance.now();
  const data = await common.loadData(ctx, st, small.PIXEL_SCALE);
  const chance = 1 - 1 / data.train.classes.length;
  const views = { small: small.smallGeometry(data, st), large: large.largeGeometry(data, lt(22)) };
  const probes = {
    small: conv1GradProbe(data, views.small.side, views.small.crop, 32),
    large: conv1GradProbe(data, views.large.side, views.large.crop, 32),
  };
  const plans: ShardPlan<
    { centre: { top1Err: number; top5Err: number; count: number }; predictions: string }
  >[] = nets(ctx).map((n) => {
    const family = n.depth === 22 ? "large" : "small";
    const { side, crop } = views[family];
    const scheme = n.init === "xavier" ? XAVIER : n.depth === 22 ? large.LARGE_INIT : HE_SMALL;
    const tier = n.converged || n.depth === 14 ? st : curveTier(n.depth);
    const spec = n.depth === 22
      ? large.largeSpec("B", lt(22), data, "relu", scheme)
      : small.smallSpec(tier, data, "relu", scheme, n.depth === 30 ? 16 : 0);
    const config = n.depth === 22
      ? large.largeConfig(lt(22), data, n.seed)
      : small.smallConfig(tier, data, n.seed);
    const label = n.depth === 22
      ? large.largeLabel(spec, scheme, data, config)
      : small.smallLabel(spec, scheme, data, config) + (long && !n.converged ? "-fig3" : "");
    return {
      variant: n.variant,
      seed: n.seed,
      // The 14-layer net is small-model's where the recipes agree: the same request (no probe), so a stored one
      // is reused.
      request: {
        label,
        spec,
        config,
        data,
        probe: n.depth === 14 || n.converged ? undefined : probes[family],
      },
      measure: async (model: common.TrainedModel) => {
        const centre = await scoresOn(ctx, model, data, "test", {
          kind: "views",
          views: "center",
          side,
          crop,
        });
        ctx.log(
          `   ${n.depth} layers, ${n.init}, seed ${n.seed}: centre top-1 error ${pct(centre.top1Err)}%`,
        );
        return {
          centre: { top1Err: centre.top1Err, top5Err: centre.top5Err, count: centre.count },
          predictions: predictionString(centre, data.train.classes.length),
        };
      },
    };
  });
  const records = await runShards(ctx, experiment, plans);
  if (!records) return;
  const runs: DepthRun[] = records.map((r, i) => ({
    ...nets(ctx)[i],
    training: r.training,
    ...r.measurements,
  }));
  if (long) {
    // The depth claim's 14-layer nets: small-model's ReLU shards (the same request).
    for (const seed of ctx.seeds ?? st.seeds) {
      const r = await readShard<SmallNetMeasurements>(ctx.outDir, "small-model", "long", "relu", seed);
      if (!r) {
        ctx.log(`init-depth: small-model's shard relu seed ${seed} is not published yet; train it first`);
        return;
      }
      runs.push({
        variant: "14-he",
        depth: 14,
        init: "he",
        seed,
        converged: true,
        training: r.training,
        centre: r.measurements.centre,
        predictions: r.measurements.predictions,
      });
    }
  }
  const gradRatios = await gradientRatios(ctx, st, data, probes.small);
  const correct = (r: DepthRun) => predictionsCorrect(r.predictions, data.test.labels);
  const list = await depthClaims({
    ctx,
    chance,
    runs,
    gradRatios,
    correct,
    valImages: Math.min(st.evalLimit, data.val.count),
  });
  const plots = depthPlots(runs);
  await writeResult(ctx.outDir, {
    ...(await common.resultBase(ctx, experiment, data, [...new Set(runs.map((r) => r.seed))], started)),
    ...depthReport({ st, lt: lt(22), data, chance, runs, long }),
    claims: list,
    plots: plots.map(({ file, caption }) => ({ file, caption })),
  }, plots).then((dir) => ctx.log(`wrote ${dir}/result.json, result.md and plots`));
}

/** conv1's gradient RMS, Xavier's over He's, on pairs of freshly drawn 30-layer nets (the init regime). */
async function gradientRatios(
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
