/**
 * init-depth: ICCV Fig 3 (v1 Figs 2-3, He, Zhang, Ren, Sun 2015). The 22-layer model B and the 30-layer extension
 * of the 14-layer model, with ReLU, trained with He's init and with "Xavier": validation error over the run, the
 * first epoch each curve drops below chance, conv1's gradient against its weight-decay pull, and the 30-layer net
 * against the 14-layer one trained the same way. Every net has the small family's rate, batches and He's init on
 * its fc layers. At the long tier the curves run the paper's lengths (3 epochs at 22 layers, 9.9 at 30) at a
 * constant rate, and the depth claim compares converged nets, three seeds each (the 14-layer ones are
 * small-model's ReLU shards).
 *
 *   deno task exp init-depth --tier default
 *   ./rectifiers shards --tier long --only init-depth   # the long tier's nets, one command each
 */
import type { RunContext } from "../lib/experiments/registry.ts";
import * as common from "../lib/experiments/common.ts";
import * as small from "../lib/experiments/small_family.ts";
import * as large from "../lib/experiments/large_family.ts";
import { conv1GradProbe, scoresOn } from "../lib/experiments/measure.ts";
import { predictionsCorrect, predictionString } from "../lib/experiments/small_measure.ts";
import {
  curveValImages,
  depthClaims,
  depthPlots,
  depthReport,
  type DepthRun,
  gradientRatios,
  HE_SMALL,
  smallModelReluRuns,
  XAVIER,
} from "../lib/experiments/depth_report.ts";
import { defineExperiment } from "../lib/experiments/runner.ts";
import { fig3Recipes } from "../lib/recipes/fig3.ts";
import { pct } from "../lib/results/format.ts";

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
  const net = (depth: Net["depth"], init: Net["init"], seed: number, converged = false): Net => ({
    variant: `${depth}-${init}${converged ? "-converged" : ""}`,
    ...{ depth, init, seed, converged },
  });
  const curves = [net(22, "he", seed), net(22, "xavier", seed), net(30, "he", seed), net(30, "xavier", seed)];
  if (ctx.tier !== "long") return [...curves, net(14, "he", seed)];
  return [...curves, ...(ctx.seeds ?? small.SMALL_TIERS.long.seeds).map((s) => net(30, "he", s, true))];
}

interface Measured {
  centre: { top1Err: number; top5Err: number; count: number };
  predictions: string;
}

export const experiment = defineExperiment({
  id: "init-depth",
  title: "Initialization and depth: 22- and 30-layer ReLU nets with He's init and with Xavier",
  paperRef: "ICCV Fig 3 (v1 Figs 2-3)",
  tiers: ["smoke", "default", "long", "gpu"],
  grid: nets,
  setup: async (ctx) => {
    const long = ctx.tier === "long";
    const st = small.withHeHead(small.smallTier(ctx, "init-depth"));
    const { thirty, modelB: lt } = fig3Recipes(st, large.largeTier(ctx, "init-depth"), long);
    const data = await common.loadData(ctx, st, small.PIXEL_SCALE);
    const views = { small: small.smallGeometry(data, st), large: large.largeGeometry(data, lt) };
    const probes = {
      small: conv1GradProbe(data, views.small.side, views.small.crop, 32),
      large: conv1GradProbe(data, views.large.side, views.large.crop, 32),
    };
    return { long, st, thirty, lt, data, seeds: [], views, probes };
  },
  net: (ctx, { long, st, thirty, lt, data, views, probes }, n) => {
    const family = n.depth === 22 ? "large" : "small";
    const { side, crop } = views[family];
    const scheme = n.init === "xavier" ? XAVIER : n.depth === 22 ? large.LARGE_INIT : HE_SMALL;
    const tier = n.converged || n.depth === 14 ? st : thirty;
    const spec = n.depth === 22
      ? large.largeSpec("B", lt, data, "relu", scheme)
      : small.smallSpec(tier, data, "relu", scheme, n.depth === 30 ? 16 : 0);
    const config = n.depth === 22
      ? large.largeConfig(lt, data, n.seed)
      : small.smallConfig(tier, data, n.seed);
    const label = n.depth === 22
      ? large.largeLabel(spec, scheme, data, config)
      : small.smallLabel(spec, scheme, data, config) + (long && !n.converged ? "-fig3" : "");
    return {
      // The 14-layer net is small-model's where the recipes agree: the same request (no probe), so a stored one
      // is reused.
      request: {
        label,
        spec,
        config,
        data,
        probe: n.depth === 14 || n.converged ? undefined : probes[family],
      },
      measure: async (model): Promise<Measured> => {
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
  },
  report: async (ctx, { long, st, lt, data, probes }, trained) => {
    const chance = 1 - 1 / data.train.classes.length;
    const runs: DepthRun[] = trained.map((r) => ({ ...r.cell, training: r.training, ...r.measurements }));
    if (long) {
      const shallow = await smallModelReluRuns(ctx, ctx.seeds ?? st.seeds);
      if (!shallow) return null;
      runs.push(...shallow);
    }
    const gradRatios = await gradientRatios(ctx, st, data, probes.small);
    const correct = (r: DepthRun) => predictionsCorrect(r.predictions, data.test.labels);
    const list = await depthClaims({
      ctx,
      chance,
      runs,
      gradRatios,
      correct,
      // The curves' validation sample, which their noise bands read.
      valImages: curveValImages(lt, data),
    });
    return {
      ...depthReport({ st, lt, data, chance, runs, long }),
      seeds: [...new Set(runs.map((r) => r.seed))],
      claims: list,
      plots: depthPlots(runs),
    };
  },
});
