/**
 * init-variance's stacks, tier by tier, as data: the inits compared, VGG model B of the paper's argument, and
 * the widths, batch and seeds of the plain ReLU stacks that carry the measurements.
 */
import type { InitScheme } from "../init.ts";
import type { StackSpec } from "../experiments/variance.ts";

/** The inits' labels, by which traces, claims and plots name them. */
export const XAVIER = "Xavier sqrt(1/n)";
export const HE = "He forward sqrt(2/n)";
export const HE_BACKWARD = "He backward sqrt(2/n^)";
export const FIXED = "fixed std 0.01";

export const SCHEMES: { label: string; scheme: InitScheme }[] = [
  { label: XAVIER, scheme: { kind: "xavier" } },
  { label: HE, scheme: { kind: "he-forward" } },
  { label: HE_BACKWARD, scheme: { kind: "he-backward" } },
  { label: FIXED, scheme: { kind: "gaussian", std: 0.01 } },
];

/** VGG "model B" of the paper's argument: 10 conv layers, 3x3, filters 64 64 128 128 256 256 512 512 512 512. */
export const VGG_B: StackSpec = {
  name: "VGG model B (10 conv)",
  filters: [64, 64, 128, 128, 256, 256, 512, 512, 512, 512],
  inChannels: 3,
};

export interface VarianceTier {
  /** Filters of every layer of the 14-, 22- and 30-layer stacks. */
  width: number;
  /** Random inputs per trace. */
  batch: number;
  seeds: number[];
  /** The wider He stack on which the whole-depth std ratio is checked, and its number of seeds. */
  endToEnd: { width: number; depth: number; seeds: number };
}

/**
 * A realization of a deep narrow stack scatters log-normally around the derived ratio (its typical value below
 * it), so the end-to-end check needs width and seeds that the one-layer ratios do not.
 */
export const VARIANCE_TIERS: Record<string, VarianceTier> = {
  smoke: { width: 32, batch: 2, seeds: [1, 2], endToEnd: { width: 64, depth: 14, seeds: 2 } },
  default: { width: 64, batch: 4, seeds: [1, 2, 3, 4, 5, 6], endToEnd: { width: 256, depth: 30, seeds: 12 } },
  gpu: {
    width: 128,
    batch: 8,
    seeds: [1, 2, 3, 4, 5, 6, 7, 8],
    endToEnd: { width: 256, depth: 30, seeds: 16 },
  },
  paper: { width: 256, batch: 8, seeds: [1, 2, 3, 4, 5], endToEnd: { width: 512, depth: 30, seeds: 16 } },
};
