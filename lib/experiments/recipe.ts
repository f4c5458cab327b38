/**
 * The paper's training recipe (section 4) as one function, so every experiment trains the same way: SGD with
 * momentum 0.9 (Caffe's form, Eq. 4) and weight decay 5e-4, a base learning rate of 0.01, centre-crop
 * validation. The paper divides the rate by 10 when the error plateaus (for model A at epochs 20 and 65 of 80),
 * the same epochs for the models it compares; here a run of at least SWITCH_MIN_EPOCHS epochs divides it once,
 * at 70% of training, and a shorter run keeps the base rate: it ends long before any plateau, and a switch there
 * can even collapse a plain ReLU net (measured: model A, seed 2, batch 32 fell back to chance within a quarter
 * epoch of a switch after 2 epochs, since the old velocity, no longer balanced by gradients of the same size,
 * carries the weights off; with the base rate kept it went on learning).
 */
import type { AugmentConfig } from "../data/augment.ts";
import type { TrainConfig } from "../train/trainer.ts";
import type { LoadedData } from "./common.ts";

export interface RecipeOptions {
  epochs: number;
  batch: number;
  seed: number;
  /** Base learning rate (the paper: 0.01). */
  lr?: number;
  augment: AugmentConfig;
  data: LoadedData;
  /** Use the data's PCA basis for AlexNet's colour altering. */
  colour: boolean;
  /** Validation: centre crops of `crop` from images resized to `side`. */
  val: { side: number; crop: number };
  evalFractions: number[];
  evalLimit?: number;
}

export const SWITCH_MIN_EPOCHS = 10;

export function paperRecipe(o: RecipeOptions): TrainConfig {
  return {
    epochs: o.epochs,
    batchSize: o.batch,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: {
      kind: "steps",
      base: o.lr ?? 0.01,
      milestones: o.epochs >= SWITCH_MIN_EPOCHS ? [Math.round(o.epochs * 0.7)] : [],
      factor: 0.1,
    },
    augment: o.augment,
    norm: o.data.norm,
    pca: o.colour ? o.data.pca : null,
    seed: o.seed,
    val: { views: "center", side: o.val.side, crop: o.val.crop, batchSize: 250 },
    evalFractions: o.evalFractions,
    ...(o.evalLimit === undefined ? {} : { evalLimit: o.evalLimit }),
    readEvery: 20,
  };
}

/** How a run's learning rate differs from the paper's plateau switches, for the result's list of differences. */
export function scheduleText(config: TrainConfig): string {
  const s = config.schedule;
  if (s.kind !== "steps") {
    return `learning rate ${s.base}, divided by ${1 / s.factor} at plateaus as the paper does`;
  }
  return s.milestones.length
    ? `learning rate ${s.base} divided by ${1 / s.factor} after epoch ${
      s.milestones.join(", ")
    } of ${config.epochs} instead of at plateaus`
    : `learning rate ${s.base} throughout: the paper divides it at plateaus (for model A after epochs 20 and 65 of 80), which a ${config.epochs}-epoch run does not reach`;
}
