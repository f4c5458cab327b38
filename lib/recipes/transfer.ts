/**
 * transfer's target recipe (an analog of Table 8: Fast R-CNN fine-tuned on VOC 2007), tier by tier, as data: the
 * target task's size and one recipe for every net trained on it, fine-tuned or from scratch, so the comparisons
 * stay even. The sources are models-abc's nets (lib/recipes/large.ts); lib/experiments/transfer_target.ts builds
 * the configuration from this.
 */
import type { TierData } from "../experiments/data.ts";

export interface TransferTier extends TierData {
  /** Epochs on the target, fine-tuned and from scratch alike. */
  epochs: number;
}

/** The target task: small, as VOC 2007 trainval (5k images) is next to ImageNet. */
export const TRANSFER_TIERS: Record<string, TransferTier> = {
  smoke: { trainPerClass: 20, valPerClass: 5, testPerClass: 10, epochs: 2 },
  default: { trainPerClass: 200, valPerClass: 50, testPerClass: null, epochs: 3 },
  gpu: { trainPerClass: 500, valPerClass: 100, testPerClass: null, epochs: 10 },
};

export const TARGET_RECIPE = {
  /**
   * Below the source's 0.01 (Fast R-CNN fine-tunes at a tenth of its pre-training rate). Measured at the default
   * tier (bench/studies/transfer_rate/): at 0.005 and 0.01 ReLU nets trained from scratch collapsed after leaving
   * chance (their deep ReLUs fell silent); at 0.002 some stayed on the plateau past a tenth of the run.
   */
  lr: 0.0025,
  batch: 32,
  /**
   * Exactly class-balanced batches, as both families use at the default tier (a constant mean label per batch
   * shortens the chance plateau); fine-tuned and scratch nets alike.
   */
  balancedBatches: true,
  /** Validation at every tenth of the run and three times inside the first, so the regime can say when each left chance. */
  evalPoints: 9,
  earlyEvalPoints: 3,
} as const;
