/**
 * The large models of Table 3 (A, B, C) as models-abc, init-depth (model B is its 22-layer net), ensemble and
 * transfer train and test them, one recipe per tier, so all of them share the same trained models.
 *
 * Recipe (section 4): SGD with momentum 0.9, weight decay 5e-4, batch 128 (32 at the short tiers, see
 * BATCH_NOTE in small_family.ts), dropout 0.5 on fc1 and fc2, the backward form of He's init (Eq. 16) for the
 * conv layers, learning rate 0.01 (divided by 10 only in runs of 10 epochs or more: lib/experiments/recipe.ts;
 * the paper divides at plateaus, epochs 20 and 65 of 80 for model A); scale jittering with the
 * shorter side in [s, 2s] for crops of 7/8 s (the paper: [256, 512] for 224 crops), flips and PCA colour
 * altering; validation on centre crops at the smallest scale. Testing: 10-view at the middle scale and dense
 * multi-scale at 256, 384 and 480 scaled by 1/8 (32, 48, 60 for CIFAR's 32x32 images).
 */
import type { InitScheme } from "../init.ts";
import type { NetSpec } from "../models/network.ts";
import { scaledLarge, type Scaling } from "../models/zoo.ts";
import type { ActivationKind } from "../nn.ts";
import type { TrainConfig } from "../train/trainer.ts";
import { ensembleScores, type EvalResult, evaluateDense } from "../train/evaluate.ts";
import { type LoadedData, storedScores, type TierData, type TrainedModel, trainNetwork } from "./common.ts";
import { paperRecipe } from "./recipe.ts";
import { type Experiment, type RunContext, tierSettings } from "./registry.ts";

/** The large models' conv init: the backward form (Eq. 16), as the paper trained them. */
export const LARGE_INIT: InitScheme = { kind: "he-backward" };

export interface LargeTier extends TierData {
  epochs: number;
  /** Seeds of A-ReLU and A-PReLU (the pair the claims compare); B and C are trained with the first. */
  seeds: number[];
  /** Widths of conv1 and the three stages of A and B (C widens them), fc head (paper: 96, 256/512/512, 4096). */
  scaling: Scaling;
  batch: number;
  evalLimit: number;
}

export const LARGE_TIERS: Record<string, LargeTier> = {
  smoke: {
    trainPerClass: 50,
    testPerClass: 10,
    epochs: 1,
    seeds: [1],
    scaling: { widths: [8, 8, 16, 16], fcUnits: 64, dropout: 0, head: "he" },
    batch: 32,
    evalLimit: 100,
  },
  default: {
    trainPerClass: 600,
    testPerClass: 100,
    epochs: 3,
    seeds: [1, 2],
    scaling: { widths: [16, 16, 32, 32], fcUnits: 256, dropout: 0, head: "he" },
    batch: 32,
    evalLimit: 500,
  },
  gpu: {
    trainPerClass: null,
    testPerClass: null,
    epochs: 30,
    seeds: [1, 2, 3],
    scaling: { widths: [48, 64, 128, 128], fcUnits: 1024, dropout: 0.5, head: "he" },
    batch: 128,
    evalLimit: 2000,
  },
};

export function largeTier(ctx: RunContext, expId: string): LargeTier {
  return tierSettings(LARGE_TIERS, ctx, expId);
}

export interface LargeGeometry {
  /** The smallest scale (the paper's 256): validation side. */
  side: number;
  crop: number;
  /** Training jitter range of the shorter side. */
  jitter: [number, number];
  /** 10-view scale (the middle one, as 384 was the paper's best single scale). */
  tenViewSide: number;
  /** Dense multi-scale testing scales (256, 384, 480 scaled). */
  scales: number[];
}

export function largeGeometry(data: LoadedData): LargeGeometry {
  const side = data.train.height;
  const s = (paper: number) => Math.round((side * paper) / 256);
  return {
    side,
    crop: s(224),
    jitter: [side, s(512)],
    tenViewSide: s(384),
    scales: [s(256), s(384), s(480)],
  };
}

export function largeSpec(
  model: "A" | "B" | "C",
  tier: LargeTier,
  data: LoadedData,
  activation: ActivationKind,
  init: InitScheme = LARGE_INIT,
): NetSpec {
  const { crop } = largeGeometry(data);
  return scaledLarge(
    model,
    activation,
    init,
    [data.train.channels, crop, crop],
    data.train.classes.length,
    tier.scaling,
  );
}

export function largeConfig(
  tier: LargeTier,
  data: LoadedData,
  seed: number,
  evalFractions: number[] = [0.5],
): TrainConfig {
  const { side, crop, jitter } = largeGeometry(data);
  return paperRecipe({
    epochs: tier.epochs,
    batch: tier.batch,
    seed,
    augment: { crop, scale: jitter, flip: true, pcaStd: 0.1 },
    data,
    colour: true,
    val: { side, crop },
    evalFractions,
    evalLimit: tier.evalLimit,
  });
}

/** The stored model's name: everything that tells two trained nets of this family apart. */
export function largeLabel(spec: NetSpec, init: InitScheme, data: LoadedData, seed: number): string {
  return `${spec.name.replace(/\s+/g, "")}-${spec.activation}-${init.kind}-${data.dataset}-seed${seed}`;
}

/** One trained large model of models-abc: the members of the ensemble and the sources of transfer. */
export interface LargeEntry {
  model: "A" | "B" | "C";
  activation: ActivationKind;
  seed: number;
}

/** A-ReLU and A-PReLU (channel-wise, as Table 4) for every seed of the tier; B-PReLU and C-PReLU for the first. */
export function largeEntries(tier: LargeTier, seeds: number[] = tier.seeds): LargeEntry[] {
  return [
    ...seeds.map((seed): LargeEntry => ({ model: "A", activation: "relu", seed })),
    ...seeds.map((seed): LargeEntry => ({ model: "A", activation: "prelu-channel", seed })),
    { model: "B", activation: "prelu-channel", seed: seeds[0] },
    { model: "C", activation: "prelu-channel", seed: seeds[0] },
  ];
}

export function entryName(e: LargeEntry): string {
  return `${e.model}-${e.activation === "relu" ? "ReLU" : "PReLU"} (seed ${e.seed})`;
}

/** Trains (or loads) one model of models-abc with the tier's recipe. */
export async function trainLarge(
  ctx: RunContext,
  exp: Experiment,
  tier: LargeTier,
  data: LoadedData,
  e: LargeEntry,
): Promise<TrainedModel> {
  const spec = largeSpec(e.model, tier, data, e.activation);
  return await trainNetwork(ctx, exp, {
    label: largeLabel(spec, LARGE_INIT, data, e.seed),
    spec,
    config: largeConfig(tier, data, e.seed),
    data,
  });
}

/** Dense testing at one scale (windows of the last conv map, flips), scores stored beside the model. */
export async function denseAt(
  ctx: RunContext,
  model: TrainedModel,
  data: LoadedData,
  scale: number,
): Promise<EvalResult & { scores: Float32Array }> {
  const { crop } = largeGeometry(data);
  return await storedScores(
    ctx,
    model,
    { kind: "dense", scale, crop, test: data.test.name, count: data.test.count },
    () =>
      evaluateDense(model.net, data.test, {
        scales: [scale],
        crop,
        norm: data.norm,
        batchSize: 100,
        keepScores: true,
      }),
  );
}

/** Dense testing at every scale of the tier and their equal-weight combination (Tables 4 and 6). */
export async function denseMultiScale(
  ctx: RunContext,
  model: TrainedModel,
  data: LoadedData,
): Promise<{ perScale: EvalResult[]; combined: EvalResult }> {
  const { scales } = largeGeometry(data);
  const perScale: (EvalResult & { scores: Float32Array })[] = [];
  for (const s of scales) perScale.push(await denseAt(ctx, model, data, s));
  const combined = ensembleScores(perScale.map((r) => r.scores), data.test.labels, data.test.classes.length);
  return { perScale, combined };
}
