/**
 * pipeline-demo: a 3-layer PReLU net (conv, conv, fc) trained through the whole pipeline: data and cache,
 * augmentation, the training loop with checkpoints, centre-crop and 10-view testing, the result files. It checks
 * the machinery, not a claim of the paper.
 */
import { type RunContext, tierSettings } from "../lib/experiments/registry.ts";
import { loadData, regime, runRecord } from "../lib/experiments/common.ts";
import { DEMO_TIERS as TIERS, demoConfig, demoSpec } from "../lib/recipes/demo.ts";
import { defineExperiment } from "../lib/experiments/runner.ts";
import { meanStd } from "../lib/results/stats.ts";
import { lineChart } from "../lib/results/svg.ts";
import * as claims from "../lib/results/claims.ts";
import { evaluateViews } from "../lib/train/evaluate.ts";

async function setup(ctx: RunContext) {
  const tier = tierSettings(TIERS, ctx, "pipeline-demo");
  const data = await loadData(ctx, tier, 1 / 64);
  const { channels, height } = data.train;
  const crop = height - 4;
  const spec = demoSpec(channels, crop, data.train.classes.length);
  return { tier, data, spec, height, crop, seeds: ctx.seeds ?? tier.seeds };
}

export const experiment = defineExperiment({
  id: "pipeline-demo",
  title: "Pipeline demo: a 3-layer PReLU net",
  paperRef: "none (pipeline check)",
  tiers: ["smoke", "default", "gpu"],
  demo: true,
  grid: (ctx) => (ctx.seeds ?? TIERS[ctx.tier]?.seeds ?? []).map((seed) => ({ variant: "prelu-3", seed })),
  setup,
  net: (ctx, { tier, data, spec, height, crop }, { seed }) => {
    const config = demoConfig(tier, data, seed, height, crop);
    return {
      request: { label: `prelu-3-seed${seed}-${data.dataset}`, spec, config, data },
      measure: async ({ net }) => {
        const tenView = await evaluateViews(net, data.test, {
          views: "ten",
          side: height,
          crop,
          norm: data.norm,
          batchSize: 250,
        });
        ctx.log(
          `   10-view top-1 error ${(100 * tenView.top1Err).toFixed(2)}%, top-5 ${
            (100 * tenView.top5Err).toFixed(2)
          }%`,
        );
        return { top1Err: tenView.top1Err, top5Err: tenView.top5Err };
      },
    };
  },
  // deno-lint-ignore require-await
  report: async (_ctx, { tier, data, spec, height, crop }, nets) => {
    const runs = nets.map(({ seed, training, measurements: tenView }) => {
      const last = training.epochs.at(-1)!;
      return runRecord(`prelu-3-seed${seed}`, seed, training, {
        centerTop1Err: last.valTop1Err,
        centerTop5Err: last.valTop5Err,
        tenViewTop1Err: tenView.top1Err,
        tenViewTop5Err: tenView.top5Err,
      });
    });
    const chance = 1 - 1 / data.train.classes.length;
    const err = meanStd(runs.map((r) => r.final.tenViewTop1Err));
    const plots = [{
      file: "curves.svg",
      caption: "Validation top-1 error during training (centre crop; inner points on 500 images)",
      svg: lineChart({
        title: "pipeline demo: validation top-1 error (centre crop)",
        xLabel: "epoch",
        yLabel: "top-1 error",
        series: runs.map((r) => ({
          name: r.label,
          points: r.points.map((p) => [p.epoch, p.valTop1Err] as [number, number]),
        })),
      }),
    }];
    return {
      config: { spec, tier, batchSize: 64, lr: 0.01 },
      runs,
      metrics: {
        "top1.10view": {
          values: runs.map((r) => 100 * r.final.tenViewTop1Err),
          floor: 2,
          description: "10-view top-1 error, %",
        },
      },
      comparison: [
        {
          metric: "10-view top-1 error",
          paper: null,
          ours: err.mean,
          source: "—",
          note: "no paper counterpart",
        },
      ],
      regime: regime(runs, runs.map((r) => r.final.tenViewTop1Err), chance, {
        epochs: 0,
        images: data.train.count,
        batch: 64,
        err: null,
      }, "A pipeline check, not a paper experiment:"),
      claims: [
        claims.stall({
          id: "learns",
          text: "The pipeline trains a PReLU net well above chance",
          paper: "— (pipeline check)",
          regime: "onset",
          window: 0,
          curve: {
            label: "the 3-layer net",
            points: runs[0].points.map((p) => ({ epoch: p.epoch, err: p.valTop1Err })),
          },
          chance,
          valImages: Math.min(500, data.val.count),
          expect: "leaves",
        }),
      ],
      differences: [
        "Not a paper experiment: a 3-layer net that exercises the data, training, testing and result pipeline.",
        `Inputs: ${crop}x${crop} crops of ${height}x${height} images, scale jitter [${height}, ${
          height + 4
        }], flips, PCA colour noise.`,
      ],
      plots,
    };
  },
});
