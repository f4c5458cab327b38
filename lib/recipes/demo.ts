/**
 * pipeline-demo's recipe, as data: a 3-layer PReLU net (conv, conv, fc) and its training, tier by tier. It checks
 * the machinery, not a claim of the paper.
 */
import type { DataSet } from "../data/dataset.ts";
import type { LoadedData, TierData } from "../experiments/data.ts";
import type { NetSpec } from "../models/network.ts";
import type { TrainConfig } from "../train/trainer.ts";

export const DEMO_TIERS: Record<string, TierData & { epochs: number; seeds: number[] }> = {
  smoke: { trainPerClass: 200, valPerClass: 20, testPerClass: 50, epochs: 2, seeds: [1] },
  default: { trainPerClass: 1000, valPerClass: 100, testPerClass: null, epochs: 4, seeds: [1] },
  gpu: { trainPerClass: null, valPerClass: 500, testPerClass: null, epochs: 10, seeds: [1, 2] },
};

export function demoSpec(channels: number, crop: number, classes: number): NetSpec {
  return {
    name: "prelu-3",
    input: [channels, crop, crop],
    classes,
    activation: "prelu-channel",
    convInit: { kind: "he-forward" },
    fcInit: [{ kind: "gaussian", std: 0.01 }],
    layers: [
      { type: "conv", name: "conv1", filters: 32, kernel: 3, pad: 1 },
      { type: "maxpool", name: "pool1", kernel: 2 },
      { type: "conv", name: "conv2", filters: 64, kernel: 3, pad: 1 },
      { type: "maxpool", name: "pool2", kernel: 2 },
      { type: "spp", name: "spp", levels: [2, 1] },
      { type: "fc", name: "fc", units: classes },
    ],
  };
}

/** Batch 64, rate 0.01 divided by 10 for the last quarter, crops of side - 4 with a 4-pixel scale jitter. */
export function demoConfig(
  tier: { epochs: number },
  data: LoadedData<DataSet>,
  seed: number,
  height: number,
  crop: number,
): TrainConfig {
  return {
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
}
