/** A training batch and the recipe that makes one: shared by the in-memory and the streamed batch sources. */
import type { AugmentConfig, Normalization, PcaBasis } from "./augment.ts";

export interface BatchRecipe {
  batchSize: number;
  augment: AugmentConfig;
  norm: Normalization;
  pca: PcaBasis | null;
  seed: number;
}

export interface Batch {
  /** [batch, channels, crop, crop] pixels, normalized. */
  x: Float32Array;
  labels: number[];
  /** Seeds this step's dropout masks. */
  dropoutSeed: number;
}
