/**
 * What every model family's recipe states at a tier: the interface the 14-layer family (lib/recipes/small.ts)
 * and the large models (lib/recipes/large.ts) share; each adds only what is its own.
 */
import type { Scaling } from "../models/zoo.ts";
import type { PaperInput, TierData } from "../experiments/data.ts";
import type { PipelineCheckSettings } from "../experiments/registry.ts";

export interface FamilyTier extends TierData, PipelineCheckSettings {
  /** Epochs per run (a fraction trains that share of one epoch of the training split). */
  epochs: number;
  seeds: number[];
  /** Widths of the conv stages and the fc head (each family's interface says the paper's). */
  scaling: Scaling;
  batch: number;
  /** Evaluation points over the run, and validation images at each (at the end too where epochEvalLimit says). */
  evalPoints: number;
  evalLimit: number;
  /** Base learning rate (absent: the paper's 0.01). */
  lr?: number;
  /** Class-balanced batches instead of a uniform shuffle. */
  balancedBatches?: boolean;
  /** Test images for the multi-view protocols, spread over the test set; centre crop uses all. */
  viewImages: number;
  /** The paper tier: the paper's model (not scaled) on a streamed ImageNet-style folder. */
  paper?: PaperInput;
}
