/**
 * Weight initializers as the paper defines them (digest section 4, "Initialization"). Every scheme is a
 * zero-mean Gaussian; only the standard deviation differs:
 *   gaussian     fixed std (AlexNet's 0.01)
 *   xavier       sqrt(1 / n_l), the one-sided Gaussian form the paper compares against
 *   he-forward   sqrt(2 / n_l),  n_l  = k^2 c (fan-in)            Eq. 12
 *   he-backward  sqrt(2 / n^_l), n^_l = k^2 d (fan-out)           Eq. 16
 *   he-prelu     sqrt(2 / ((1 + a^2) n)), n = fan-in or fan-out   the PReLU variant, a = initial slope
 * Biases start at 0 and PReLU slopes at 0.25.
 */
import { fmtShape, ShapeError } from "./geometry.ts";
import type { Rng } from "./rng.ts";
import { faultActive } from "./faults.ts";

export type InitScheme =
  | { kind: "gaussian"; std: number }
  | { kind: "xavier" }
  | { kind: "he-forward" }
  | { kind: "he-backward" }
  | { kind: "he-prelu"; slope: number; mode: "forward" | "backward" };

export const PRELU_INIT_SLOPE = 0.25;

function checkWeightShape(shape: readonly number[]): void {
  if (shape.length !== 2 && shape.length !== 4) {
    throw new ShapeError(`init: weights must be [out, in] or [out, in, kh, kw], got ${fmtShape(shape)}`);
  }
}

/** n_l = k^2 c: inputs feeding one output (conv [d, c, k, k] or fc [d, c]). */
export function fanIn(shape: readonly number[]): number {
  checkWeightShape(shape);
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** n^_l = k^2 d: outputs one input feeds. */
export function fanOut(shape: readonly number[]): number {
  checkWeightShape(shape);
  return shape[0] * (shape.length === 4 ? shape[2] * shape[3] : 1);
}

export function initStd(scheme: InitScheme, shape: readonly number[]): number {
  switch (scheme.kind) {
    case "gaussian":
      return scheme.std;
    case "xavier":
      return Math.sqrt((faultActive("xavier-as-he") ? 2 : 1) / fanIn(shape));
    case "he-forward":
      return Math.sqrt((faultActive("he-std-too-small") ? 1 : 2) / fanIn(shape));
    case "he-backward":
      return Math.sqrt(2 / fanOut(shape));
    case "he-prelu": {
      const n = scheme.mode === "forward" ? fanIn(shape) : fanOut(shape);
      return Math.sqrt(2 / ((1 + scheme.slope * scheme.slope) * n));
    }
  }
}

/** Gaussian weights with the scheme's std, drawn from our seeded Rng. */
export function initWeights(scheme: InitScheme, shape: readonly number[], rng: Rng): Float32Array {
  const std = initStd(scheme, shape);
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = std * rng.normal();
  return out;
}

/** Seeded fills for tests and data: N(mean, std^2) or U[lo, hi). */
export function normalArray(size: number, rng: Rng, mean = 0, std = 1): Float64Array {
  return Float64Array.from({ length: size }, () => mean + std * rng.normal());
}

export function uniformArray(size: number, rng: Rng, lo = 0, hi = 1): Float64Array {
  return Float64Array.from({ length: size }, () => lo + (hi - lo) * rng.uniform());
}
