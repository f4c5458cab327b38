/**
 * The large models of Table 3 (A, B, C) as models-abc, init-depth (model B is its 22-layer net), ensemble and
 * transfer train and test them, one recipe per tier, so all of them share the same trained models.
 *
 * Recipe (section 4, lib/experiments/recipe.ts): SGD with momentum 0.9, weight decay 5e-4, learning rate 0.01
 * divided at validation plateaus in long runs, the backward form of He's init (Eq. 16) for the conv layers; scale
 * jittering for crops of 7/8 s, flips and PCA colour altering; validation on centre crops. Testing: 10-view at the
 * middle scale and dense multi-scale at the three scales of largeGeometry. At the short tiers the fc head, dropout
 * and jitter differ from the paper as small_family.ts and largeDifferences say.
 */
import type { DataSet, ImageSet } from "../data/dataset.ts";
import type { InitScheme } from "../init.ts";
import type { NetSpec } from "../models/network.ts";
import { paperLarge, scaledLarge, scalingText } from "../models/zoo.ts";
import type { ActivationKind } from "../nn.ts";
import type { TrainConfig } from "../train/trainer.ts";
import type { TrainedModel, TrainRequest } from "./model_store.ts";
import type { LoadedData } from "./data.ts";
import { averageScores, type Scored, scoresOn } from "./measure.ts";
import { PAPER_BALANCED_TEXT, paperRecipe, recipeChoiceText, recipeTag, scheduleText } from "./recipe.ts";
import { type RunContext, tierSettings } from "./registry.ts";
import type { ShardTraining } from "./shards.ts";
import { LARGE_AUGMENT, LARGE_TIERS, type LargeTier } from "../recipes/large.ts";

export { TABLE4, TABLE5, TABLE6 } from "../paper/facts.ts";
export { LARGE_TIERS, type LargeTier } from "../recipes/large.ts";

/** The large models' conv init: the backward form (Eq. 16), as the paper trained them. */
export const LARGE_INIT: InitScheme = { kind: "he-backward" };

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

/**
 * The scales of a tier: validation and centre crops at the images' size s (the paper's 256), crops of 7/8 s
 * (224), jitter [s, jitter * s], and the paper's test scales 256, 384 and 480 placed at the same relative
 * positions in our jitter range (for jitter 2 they are s, 1.5 s and 1.875 s, the paper's own ratios).
 */
export function largeGeometry(data: LoadedData<DataSet>, tier: LargeTier): LargeGeometry {
  const side = tier.paper?.side ?? (data.train as ImageSet).height;
  const top = Math.round(side * tier.jitter);
  const at = (paper: number) => Math.round(side + ((paper - 256) / 256) * (top - side));
  return {
    side,
    crop: Math.round((side * 224) / 256),
    jitter: [side, top],
    tenViewSide: at(384),
    scales: [at(256), at(384), at(480)],
  };
}

export function largeSpec(
  model: "A" | "B" | "C",
  tier: LargeTier,
  data: LoadedData<DataSet>,
  activation: ActivationKind,
  init: InitScheme = LARGE_INIT,
): NetSpec {
  if (tier.paper) return paperLarge(model, activation, init, data.train.classes.length);
  const { crop } = largeGeometry(data, tier);
  return scaledLarge(
    model,
    activation,
    init,
    [(data.train as ImageSet).channels, crop, crop],
    data.train.classes.length,
    tier.scaling,
  );
}

export function largeConfig(tier: LargeTier, data: LoadedData<DataSet>, seed: number): TrainConfig {
  const { side, crop, jitter } = largeGeometry(data, tier);
  return paperRecipe({
    epochs: tier.epochs,
    maxSteps: tier.maxSteps,
    batch: tier.batch,
    lr: tier.lr,
    balancedBatches: tier.balancedBatches,
    classifierLogitStd: tier.classifierLogitStd,
    seed,
    augment: { crop, scale: jitter, flip: LARGE_AUGMENT.flip, pcaStd: LARGE_AUGMENT.pcaStd },
    data,
    colour: true,
    val: { side, crop },
    evalPoints: tier.evalPoints,
    earlyEvalPoints: tier.earlyEvalPoints,
    evalLimit: tier.evalLimit,
    epochEvalLimit: tier.epochEvalLimit,
  });
}

/** The stored model's name: everything that tells two trained nets of this family apart, recipe included. */
export function largeLabel(
  spec: NetSpec,
  init: InitScheme,
  data: LoadedData<DataSet>,
  config: TrainConfig,
): string {
  const name = spec.name.replace(/\s+/g, "");
  return `${name}-${spec.activation}-${init.kind}-${data.dataset}-seed${config.seed}${recipeTag(config)}`;
}

/** One trained large model of models-abc: the members of the ensemble and the sources of transfer. */
export interface LargeEntry {
  /** Its shard's variant: "A-relu", "C-prelu-channel". */
  variant: string;
  model: "A" | "B" | "C";
  activation: ActivationKind;
  seed: number;
}

/** A-ReLU and A-PReLU (channel-wise, as Table 4) for every seed of the tier; B-PReLU and C-PReLU for the first. */
export function largeEntries(tier: LargeTier, seeds: number[] = tier.seeds): LargeEntry[] {
  const entry = (model: LargeEntry["model"], activation: ActivationKind, seed: number): LargeEntry => ({
    variant: `${model}-${activation}`,
    model,
    activation,
    seed,
  });
  return [
    ...seeds.map((seed) => entry("A", "relu", seed)),
    ...seeds.map((seed) => entry("A", "prelu-channel", seed)),
    entry("B", "prelu-channel", seeds[0]),
    entry("C", "prelu-channel", seeds[0]),
  ];
}

/** The tier's grid of large models (models-abc's; ensemble and transfer read the same). */
export function largeGrid(ctx: Pick<RunContext, "tier" | "seeds">): LargeEntry[] {
  const tier = LARGE_TIERS[ctx.tier];
  return tier ? largeEntries(tier, ctx.seeds ?? tier.seeds) : [];
}

export function entryName(e: LargeEntry): string {
  return `${entryKind(e)} (seed ${e.seed})`;
}

/** "A-ReLU", "C-PReLU": the row of Tables 5 and 6. */
export function entryKind(e: LargeEntry): string {
  return `${e.model}-${e.activation === "relu" ? "ReLU" : "PReLU"}`;
}

/** What models-abc measures of one trained large model. */
export interface LargeScores {
  centre: Scored;
  ten: Scored;
  /** Dense testing at each of the tier's scales, and their equal-weight combination. */
  dense: Scored[];
  multi: Scored;
  /** Dense testing at each scale on validation images: which scale is best is chosen there, not on test. */
  denseVal: Scored[];
}

/** One trained large model with its scores. */
export interface LargeMeasured extends LargeScores {
  entry: LargeEntry;
  training: ShardTraining;
}

/** The measured models by their rows of Tables 5-6: A-ReLU and A-PReLU (every seed), B-PReLU, C-PReLU. */
export function byRow(measured: LargeMeasured[]) {
  const of = (kind: string) => measured.filter((x) => entryKind(x.entry) === kind);
  return { aRelu: of("A-ReLU"), aPrelu: of("A-PReLU"), b: of("B-PReLU"), c: of("C-PReLU") };
}

/** Centre-crop and dense multi-scale top-1 test error. */
export const centreErr = (x: LargeScores) => x.centre.top1Err;
export const multiErr = (x: LargeScores) => x.multi.top1Err;

/** Scores a trained model under every protocol (stored beside it). */
export async function scoreLarge(
  ctx: RunContext,
  model: TrainedModel,
  tier: LargeTier,
  data: LoadedData<DataSet>,
  e: LargeEntry,
): Promise<LargeScores> {
  const g = largeGeometry(data, tier);
  const limit = tier.viewImages;
  const centre = await scoresOn(ctx, model, data, "test", {
    kind: "views",
    views: "center",
    side: g.side,
    crop: g.crop,
  });
  const ten = await scoresOn(ctx, model, data, "test", {
    kind: "views",
    views: "ten",
    side: g.tenViewSide,
    crop: g.crop,
    limit,
  });
  const dense: Scored[] = [];
  const denseVal: Scored[] = [];
  for (const scale of g.scales) {
    dense.push(
      await scoresOn(ctx, model, data, "test", { kind: "dense", scales: [scale], crop: g.crop, limit }),
    );
    denseVal.push(
      await scoresOn(ctx, model, data, "val", { kind: "dense", scales: [scale], crop: g.crop, limit }),
    );
  }
  const multi = averageScores(dense, data.train.classes.length);
  ctx.log(
    `   ${entryName(e)}: centre top-1 ${(100 * centre.top1Err).toFixed(2)}%, multi-scale ${
      (100 * multi.top1Err).toFixed(2)
    }%`,
  );
  return { centre, ten, dense, multi, denseVal };
}

/** How the large models' runs differ from the paper, for every result that trains them. */
export function largeDifferences(tier: LargeTier, data: LoadedData<DataSet>): string[] {
  const g = largeGeometry(data, tier);
  const config = largeConfig(tier, data, tier.seeds[0]);
  if (tier.paper) {
    return [
      `Data: ${data.train.count} training images of ${data.dataset} (${data.val.count} more held out of train/ for ` +
      `validation), ${data.test.count} images of its validation split as the test set, ` +
      `${data.train.classes.length} classes; ${tier.epochs} epochs ("about 80" in the paper).`,
      "The paper's models A, B, C at 224x224 (Table 3) with its fc stds and dropout 0.5; mean-subtracted pixels " +
      `divided by ${
        1 / tier.paper.pixelScale
      } instead of the raw [-128, 128] (see PAPER_PIXEL_SCALE; per-channel ` +
      "mean of a sample of training centre crops); shorter side from [256, 512], flips, PCA " +
      "colour altering; batch 128, momentum 0.9, weight decay 5e-4, " + scheduleText(config) + ".",
      `Final errors: centre crop on the whole test set; 10-view at ${g.tenViewSide} and dense testing at ` +
      `${g.scales.join(", ")} on ${
        Math.min(tier.viewImages, data.test.count)
      } test images (the paper does not ` +
      "state Table 5's scale: UNCONFIRMED).",
      "UNCONFIRMED, chosen here: where the plateau switches fall on this data (the paper's were at epochs 20 and " +
      "65 for model A), pooling rounding up (Caffe), the backward form of He's init (Eq. 16) for the conv layers.",
      ...(tier.balancedBatches ? [PAPER_BALANCED_TEXT] : []),
    ];
  }
  return [
    `Data: ${data.train.count} ${data.dataset} training images (${data.val.count} more held out for validation), ` +
    `${data.test.count} test images, not ImageNet; ${tier.epochs} epochs, not about 80.`,
    `Scaled models: ${
      scalingText(tier.scaling)
    }; C widens B's stages by the paper's ratios; ${g.crop}x${g.crop} ` +
    "crops, stages at 14, 7 and 4 (the paper: 56, 28, 14) without the pool after conv1, SPP {4,2,1} (the paper: " +
    "{7,3,2,1}).",
    `Scale jitter [${g.jitter.join(", ")}]${
      tier.jitter < 2
        ? ` instead of the paper's [s, 2s] (kept at the gpu tier): a choice, not measured here; a ${tier.epochs}-epoch run is far from overfitting, and with [s, 2s] it would train on crops covering about a fifth of an image it is tested on whole`
        : ""
    }; test scales ${
      g.scales.join(", ")
    } for 256, 384, 480 at the same places in the jitter range; 10-view at ` +
    `${g.tenViewSide} (the paper does not state Table 5's scale: UNCONFIRMED).`,
    `Final errors: centre crop on the whole test set; 10-view and dense multi-scale on ${
      Math.min(tier.viewImages, data.test.count)
    } test images spread over it.`,
    `Inputs mean-subtracted and divided by 64; batch ${tier.batch} instead of 128; ${
      scheduleText(config)
    }; the ` +
    "backward form of He's init (Eq. 16) for the conv layers, as the paper trained them.",
    ...recipeChoiceText(config),
    "Errors on a 10-class task are not comparable to Table 4-6 values, only the differences between rows are.",
  ];
}

/** The model store's request for one model of models-abc with the tier's recipe. */
export function largeRequest(tier: LargeTier, data: LoadedData<DataSet>, e: LargeEntry): TrainRequest {
  const spec = largeSpec(e.model, tier, data, e.activation);
  const config = largeConfig(tier, data, e.seed);
  return { label: largeLabel(spec, LARGE_INIT, data, config), spec, config, data };
}
