/**
 * pipeline-demo: a 3-layer PReLU net (conv, conv, fc) trained through the whole pipeline: data and cache,
 * augmentation, the training loop with checkpoints, centre-crop and 10-view testing, the result files. It checks
 * the machinery, not a claim of the paper.
 */
import { type Experiment, type RunContext, tierSettings } from "../lib/experiments/registry.ts";
import {
  loadData,
  regime,
  resultBase,
  runRecord,
  type TierData,
  trainNetwork,
} from "../lib/experiments/common.ts";
import { meanStd } from "../lib/results/stats.ts";
import type { NetSpec } from "../lib/models/network.ts";
import { lineChart } from "../lib/results/svg.ts";
import { writeResult } from "../lib/results/result.ts";
import * as claims from "../lib/results/claims.ts";
import { evaluateViews } from "../lib/train/evaluate.ts";
import type { TrainConfig } from "../lib/train/trainer.ts";

const TIERS: Record<string, TierData & { epochs: number; seeds: number[] }> = {
  smoke: { trainPerClass: 200, valPerClass: 20, testPerClass: 50, epochs: 2, seeds: [1] },
  default: { trainPerClass: 1000, valPerClass: 100, testPerClass: null, epochs: 4, seeds: [1] },
  gpu: { trainPerClass: null, valPerClass: 500, testPerClass: null, epochs: 10, seeds: [1, 2] },
};

export const experiment: Experiment = {
  id: "pipeline-demo",
  title: "Pipeline demo: a 3-layer PReLU net",
  paperRef: "none (pipeline check)",
  tiers: ["smoke", "default", "gpu"],
  demo: true,
  run,
};

async function run(ctx: RunContext): Promise<void> {
  const tier = tierSettings(TIERS, ctx, experiment.id);
  const started = performance.now();
  const data = await loadData(ctx, tier, 1 / 64);
  const { channels, height } = data.train;
  const crop = height - 4;
  const spec: NetSpec = {
    name: "prelu-3",
    input: [channels, crop, crop],
    classes: data.train.classes.length,
    activation: "prelu-channel",
    convInit: { kind: "he-forward" },
    fcInit: [{ kind: "gaussian", std: 0.01 }],
    layers: [
      { type: "conv", name: "conv1", filters: 32, kernel: 3, pad: 1 },
      { type: "maxpool", name: "pool1", kernel: 2 },
      { type: "conv", name: "conv2", filters: 64, kernel: 3, pad: 1 },
      { type: "maxpool", name: "pool2", kernel: 2 },
      { type: "spp", name: "spp", levels: [2, 1] },
      { type: "fc", name: "fc", units: data.train.classes.length },
    ],
  };
  const seeds = ctx.seeds ?? tier.seeds;
  const runs = [];
  for (const seed of seeds) {
    const config: TrainConfig = {
      epochs: tier.epochs,
      batchSize: 64,
      momentum: 0.9,
      weightDecay: 5e-4,
      schedule: { kind: "steps", base: 0.01, milestones: [Math.ceil(tier.epochs * 0.75)], factor: 0.1 },
      augment: { crop, scale: [height, height + 4], flip: true, pcaStd: 0.1 },
      norm: data.norm,
      pca: data.pca,
      seed,
      val: { views: "center", side: height, crop, batchSize: 250 },
      evalPoints: 3 * tier.epochs,
      evalLimit: 500,
      readEvery: 10,
    };
    const label = `prelu-3-seed${seed}`;
    const { net, result } = await trainNetwork(ctx, experiment, {
      label: `${label}-${data.dataset}`,
      spec,
      config,
      data,
    });
    const tenView = await evaluateViews(net, data.test, {
      views: "ten",
      side: height,
      crop,
      norm: data.norm,
      batchSize: 250,
    });
    const last = result.epochs.at(-1)!;
    runs.push(runRecord(label, seed, result, {
      centerTop1Err: last.valTop1Err,
      centerTop5Err: last.valTop5Err,
      tenViewTop1Err: tenView.top1Err,
      tenViewTop5Err: tenView.top5Err,
    }));
    ctx.log(
      `   10-view top-1 error ${(100 * tenView.top1Err).toFixed(2)}%, top-5 ${
        (100 * tenView.top5Err).toFixed(2)
      }%`,
    );
  }
  const chance = 1 - 1 / data.train.classes.length;
  const err = meanStd(runs.map((r) => r.final.tenViewTop1Err));
  const plots = [{
    file: "curves.svg",
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
  await writeResult(ctx.outDir, {
    ...(await resultBase(ctx, experiment, data, seeds, started)),
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
    plots: [{
      file: "curves.svg",
      caption: "Validation top-1 error during training (centre crop; inner points on 500 images)",
    }],
    notes: [],
  }, plots).then((dir) => ctx.log(`wrote ${dir}/result.json, result.md and curves.svg`));
}
