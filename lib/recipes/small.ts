/**
 * The 14-layer family's recipe (Tables 1-2, and Fig 3's 30-layer net), tier by tier, as data: what small-model
 * and init-depth train with. The rest of the recipe is the same at every tier and stated here so that it is
 * found in one place:
 * - SGD with momentum 0.9 and weight decay 5e-4 (none on PReLU slopes), learning rate 0.01 unless a tier says
 *   otherwise (the paper's section 4, lib/paper/facts.ts RECIPE); runs of 10 epochs or more divide the rate by
 *   10 when the validation error has not improved by 0.2 points for 3 epochs, at most twice, as the paper
 *   divides it at plateaus (lib/experiments/recipe.ts);
 * - training crops of SMALL_AUGMENT.cropMargin less than the image side from images resized to a shorter side
 *   drawn from [side, side + SMALL_AUGMENT.jitter], flips, PCA colour altering with std SMALL_AUGMENT.pcaStd;
 *   centre crops for validation and testing (the paper tier: its own sizes, PaperInput);
 * - inputs: pixels minus the training set's per-channel mean, times PIXEL_SCALE (lib/experiments/data.ts).
 * Where a tier departs from the paper, its comment says why and which measurement decided it; each result's
 * list of differences says the same in words (lib/experiments/small_family.ts smallDifferences).
 */
import type { ConvergeRule } from "../train/schedule.ts";
import { PAPER_PIXEL_SCALE } from "../experiments/data.ts";
import type { FamilyTier } from "./tier.ts";

/** Augmentation of the 32 px tiers (the paper's 224 crops of [256, 512]-jittered images, scaled down). */
export const SMALL_AUGMENT = { cropMargin: 4, jitter: 4, flip: true, pcaStd: 0.1 } as const;

/** The 14-layer family's tier: `scaling` gives conv1's, conv2x's and conv3x's widths and the fc head (paper: 64/128/256, fc 4096, dropout 0.5). */
export interface SmallTier extends FamilyTier {
  /** Train until converged by this rule, `epochs` at most (the long tier). */
  converge?: ConvergeRule;
}

/** The paper's 14-layer recipe as far as it is stated (section 3.2 and He & Sun 2014; see smallDifferences). */
const PAPER_SMALL: SmallTier = {
  trainPerClass: null,
  valPerClass: 10,
  testPerClass: null,
  epochs: 75,
  seeds: [1],
  scaling: { widths: [64, 128, 256], fcUnits: 4096, dropout: 0.5, head: "paper" },
  batch: 128,
  balancedBatches: true,
  evalPoints: 0,
  evalLimit: 3000,
  viewImages: 50000,
  paper: { side: 256, crop: 224, scale: [256, 256], statsImages: 2000, pixelScale: PAPER_PIXEL_SCALE },
};

/**
 * The long tier: the default tier's 32 px nets trained until converged on all of CIFAR-10's training split, with
 * the paper's batch and rate divided by 10 at validation plateaus (at most twice). The head and dropout are the
 * short tiers' (measured early in training, results/bench/recipe.md: dropout 0.5 on fc layers this narrow and the
 * paper's fc stds both ended worse); the converged shards' training error stays beside their validation error,
 * so no dropout is missed. The epoch cap is a bound the convergence rule stops well inside. The PyTorch
 * twin trains this recipe too (`deno task twin-long`) and gives the seed spread the result reads ours against.
 */
const LONG_SMALL: SmallTier = {
  trainPerClass: null,
  valPerClass: 500,
  testPerClass: null,
  epochs: 60,
  seeds: [1, 2, 3],
  scaling: { widths: [16, 32, 64], fcUnits: 256, dropout: 0, head: "he" },
  batch: 128,
  balancedBatches: true,
  evalPoints: 0,
  evalLimit: 5000,
  viewImages: 10000,
  converge: { window: 3, minGain: 0.002 },
};

export const SMALL_TIERS: Record<string, SmallTier> = {
  smoke: {
    trainPerClass: 60,
    valPerClass: 10,
    testPerClass: 20,
    epochs: 2,
    seeds: [1, 2],
    scaling: { widths: [8, 16, 32], fcUnits: 64, dropout: 0, head: "he" },
    batch: 32,
    evalPoints: 3,
    evalLimit: 100,
    viewImages: 100,
  },
  default: {
    trainPerClass: null,
    valPerClass: 500,
    testPerClass: null,
    epochs: 0.4,
    seeds: [1, 2, 3],
    scaling: { widths: [16, 32, 64], fcUnits: 256, dropout: 0, head: "he-zero" },
    batch: 64,
    evalPoints: 9,
    evalLimit: 600,
    // A classifier started at zero and exactly class-balanced batches take the 14-layer nets off the chance
    // plateau within a tenth of the run (PyTorch, bench/studies/plateau_torch/: 31 of 32 seeds of the four
    // rectifiers within 28 steps at lr 0.01, against 3 of 8 ReLU seeds with He's init on the classifier and a
    // uniform shuffle): zero logits and a constant mean label per batch leave the first steps only the
    // class-dependent part of the gradient.
    balancedBatches: true,
    viewImages: 1000,
  },
  gpu: {
    trainPerClass: null,
    valPerClass: 500,
    testPerClass: null,
    epochs: 40,
    seeds: [1, 2, 3, 4, 5],
    scaling: { widths: [64, 128, 256], fcUnits: 1024, dropout: 0.5, head: "he" },
    batch: 128,
    evalPoints: 39,
    evalLimit: 5000,
    viewImages: 10000,
  },
  paper: PAPER_SMALL,
  long: LONG_SMALL,
};
