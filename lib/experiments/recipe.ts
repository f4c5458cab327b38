/**
 * The paper's training recipe (section 4) as one function, so every experiment trains the same way: SGD with
 * momentum 0.9 (Caffe's form, Eq. 4) and weight decay 5e-4 (none on PReLU slopes), a base learning rate of 0.01,
 * centre-crop validation on the split held out of the training set. The paper divides the rate by 10 when the
 * validation error plateaus (for model A at epochs 20 and 65 of 80). Runs of at least PLATEAU_MIN_EPOCHS epochs
 * do the same on our validation split; shorter runs keep the base rate, since they end long before any plateau.
 */
import { RECIPE } from "../paper/facts.ts";
import type { AugmentConfig } from "../data/augment.ts";
import type { TrainConfig } from "../train/trainer.ts";
import type { DataSet } from "../data/dataset.ts";
import type { LoadedData } from "./data.ts";
import { CALIBRATION_IMAGES } from "../train/calibrate.ts";
import type { ConvergeRule } from "../train/schedule.ts";

export interface RecipeOptions {
  /** Epochs (a fraction trains that share of one). */
  epochs: number;
  batch: number;
  seed: number;
  /** Base learning rate (the paper: 0.01). */
  lr?: number;
  /** Class-balanced batches (balancedEpochOrder) instead of a uniform shuffle. */
  balancedBatches?: boolean;
  /** The classifier rescaled at the start so its logits have this spread (lib/train/calibrate.ts). */
  classifierLogitStd?: number;
  augment: AugmentConfig;
  data: LoadedData<DataSet>;
  /** Use the data's PCA basis for AlexNet's colour altering. */
  colour: boolean;
  /** Validation: centre crops of `crop` from images resized to `side`. */
  val: { side: number; crop: number };
  /** Evaluation points spread over the run (besides its start and end). */
  evalPoints: number;
  /** Further points inside the run's first tenth (when each net left the chance plateau). */
  earlyEvalPoints?: number;
  evalLimit?: number;
  /** Validation images at the ends of epochs (absent: all of them; a pipeline check bounds it). */
  epochEvalLimit?: number;
  /** Stops the run after this many steps (--max-steps, a pipeline check). */
  maxSteps?: number;
  /** Stop once converged by this rule; `epochs` is then the most it trains. */
  converge?: ConvergeRule;
}

export const PLATEAU_MIN_EPOCHS = 10;

/**
 * Why the paper tier draws class-balanced batches, for its list of differences: measured on a 10-class folder
 * (bench/studies/paper_first_steps/).
 */
export const PAPER_BALANCED_TEXT =
  "Class-balanced batches (every batch holds each class within one image of " +
  "its share) instead of a uniform shuffle: at init the classifier's inputs are large and alike across images, " +
  "so each early step moves a class's logit by the batch's surplus or shortfall of that class; on a 10-class " +
  "folder at batch 32 a uniform shuffle made the loss jump on the first steps and left ReLU's at chance after " +
  "60 steps, balanced batches kept it from jumping and it fell below chance within 30 " +
  "(bench/studies/paper_first_steps/). With ImageNet's 1000 classes the batch cannot hold them all; the order " +
  "then spreads each class evenly over the epoch.";
export const PAPER_LR = RECIPE.lr;

export function paperRecipe(o: RecipeOptions): TrainConfig {
  const base = o.lr ?? PAPER_LR;
  return {
    epochs: o.epochs,
    batchSize: o.batch,
    momentum: RECIPE.momentum,
    weightDecay: RECIPE.weightDecay,
    schedule: o.epochs >= PLATEAU_MIN_EPOCHS
      ? { kind: "plateau", base, factor: 0.1, patience: 3, minDelta: 0.002, maxDrops: 2 }
      : { kind: "steps", base, milestones: [], factor: 0.1 },
    augment: o.augment,
    norm: o.data.norm,
    pca: o.colour ? o.data.pca : null,
    seed: o.seed,
    val: { views: "center", side: o.val.side, crop: o.val.crop, batchSize: 250 },
    evalPoints: o.evalPoints,
    ...(o.earlyEvalPoints ? { earlyEvalPoints: o.earlyEvalPoints } : {}),
    ...(o.evalLimit === undefined ? {} : { evalLimit: o.evalLimit }),
    ...(o.epochEvalLimit === undefined ? {} : { epochEvalLimit: o.epochEvalLimit }),
    readEvery: 20,
    ...(o.balancedBatches ? { balancedBatches: true } : {}),
    ...(o.classifierLogitStd === undefined ? {} : { classifierLogitStd: o.classifierLogitStd }),
    ...(o.maxSteps === undefined ? {} : { maxSteps: o.maxSteps }),
    ...(o.converge ? { converge: o.converge } : {}),
  };
}

/**
 * A tier's departures from the paper's rate and data order, for the result's list of differences. It names the
 * bench that measures such choices rather than quoting its numbers, which hold for the variants it ran only.
 */
export function recipeChoiceText(config: TrainConfig): string[] {
  const lr = config.schedule.base;
  if (recipeTag(config) === "") return [];
  const what = [
    ...(lr === PAPER_LR ? [] : [`learning rate ${lr} instead of the paper's ${PAPER_LR}`]),
    ...(config.balancedBatches
      ? ["class-balanced batches (every batch holds each class within one image of its share)"]
      : []),
    ...(config.classifierLogitStd === undefined ? [] : [
      `the classifier's He init rescaled at the start so the logits' standard deviation over the classes is ${config.classifierLogitStd} on ${CALIBRATION_IMAGES} centre-cropped training images (the paper starts it at std 0.001; a deep plain net's output scale at 32 px varies several-fold between seeds)`,
    ]),
  ];
  // Three parts, the last long and with a parenthesis of its own, read better apart with semicolons.
  const joined = what.length > 2 ? `${what.slice(0, -1).join("; ")}; and ${what.at(-1)}` : what.join(" and ");
  return [
    `${joined[0].toUpperCase()}${
      joined.slice(1)
    }: the tier's choice for short runs (bench/studies/plateau/ and bench/studies/plateau_torch/ measure how such choices change ` +
    "the steps spent on the chance plateau).",
  ];
}

/**
 * The part of a stored model's name that tells a recipe apart from the paper's ("" for the paper's rate and
 * shuffle), so that one net trained with two recipes is stored twice, not overwritten.
 */
export function recipeTag(config: TrainConfig): string {
  const lr = config.schedule.base;
  return `${lr === PAPER_LR ? "" : `-lr${lr}`}${config.balancedBatches ? "-balanced" : ""}${
    config.classifierLogitStd === undefined ? "" : `-logits${config.classifierLogitStd}`
  }`;
}

/** How a run's learning rate differs from the paper's, for the result's list of differences. */
export function scheduleText(config: TrainConfig): string {
  const s = config.schedule;
  if (s.kind === "plateau") {
    return `learning rate ${s.base}, divided by ${1 / s.factor} when the validation error has not improved ` +
      `for ${s.patience} epochs (at most ${s.maxDrops} times), as the paper does at plateaus`;
  }
  return s.milestones.length
    ? `learning rate ${s.base} divided by ${1 / s.factor} after epoch ${s.milestones.join(", ")}`
    : `learning rate ${s.base} throughout: the paper divides it at plateaus (for model A after epochs 20 and 65 ` +
      `of 80), which a ${config.epochs}-epoch run does not reach`;
}
