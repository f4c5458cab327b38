/**
 * The statistics behind claim verdicts: means and standard deviations over seeds, paired differences with a
 * t-based 95% confidence interval, Spearman's rank correlation, and the three-way verdict rule.
 */
import type { Verdict } from "../results/result.ts";

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

export function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1
    ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
    : 0;
  return { mean, std };
}

/** Mean of a - b over paired runs (same seed), with its 95% t interval (zero width for one pair). */
export function pairedDifference(a: number[], b: number[]): Interval {
  if (a.length !== b.length || !a.length) {
    throw new Error("pairedDifference: needs equally many values, at least one");
  }
  const d = a.map((v, i) => v - b[i]);
  const { mean, std } = meanStd(d);
  const n = d.length;
  const half = n > 1 ? T975[Math.min(n - 2, T975.length - 1)] * std / Math.sqrt(n) : 0;
  return { mean, lo: mean - half, hi: mean + half, n };
}

/** Verdict for "a is larger than b" from a paired interval: above 0 reproduced, below 0 not, else inconclusive. */
export function verdictPositive(iv: Interval): Verdict {
  if (iv.n < 2) return "inconclusive";
  if (iv.lo > 0) return "reproduced";
  if (iv.hi < 0) return "not reproduced";
  return "inconclusive";
}

export function spearman(xs: number[], ys: number[]): number {
  const rank = (v: number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array(v.length);
    order.forEach(([, i], k) => (r[i] = k));
    return r as number[];
  };
  const rx = rank(xs);
  const ry = rank(ys);
  const n = xs.length;
  const d2 = rx.reduce((a, r, i) => a + (r - ry[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

export function fmtInterval(iv: Interval, scale = 100, digits = 2): string {
  return `${(scale * iv.mean).toFixed(digits)} [${(scale * iv.lo).toFixed(digits)}, ${
    (scale * iv.hi).toFixed(digits)
  }]`;
}

/** First epoch at which a curve is below `threshold`, interpolated linearly between points; null if never. */
export function firstCrossing(points: { epoch: number; err: number }[], threshold: number): number | null {
  for (let i = 0; i < points.length; i++) {
    if (points[i].err < threshold) {
      if (i === 0) return points[0].epoch;
      const a = points[i - 1];
      const b = points[i];
      return a.epoch + ((a.err - threshold) / (a.err - b.err)) * (b.epoch - a.epoch);
    }
  }
  return null;
}
