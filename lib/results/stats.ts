/**
 * The statistics behind claim verdicts: means and standard deviations over seeds, Student's t quantiles, paired
 * differences with t intervals, Spearman's rank correlation with its critical values, McNemar's test on paired
 * per-image outcomes, and the first crossing of a learning curve below a threshold.
 */

/** Two-sided 95% quantiles of Student's t (t(0.975, df)) for df = 1..30; beyond 30 the normal 1.96. */
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

/** One-sided 95% quantiles t(0.95, df) for df = 1..30 (equivalence tests use two of them: a 90% interval). */
const T95 = [
  6.314,
  2.92,
  2.353,
  2.132,
  2.015,
  1.943,
  1.895,
  1.86,
  1.833,
  1.812,
  1.796,
  1.782,
  1.771,
  1.761,
  1.753,
  1.746,
  1.74,
  1.734,
  1.729,
  1.725,
  1.721,
  1.717,
  1.714,
  1.711,
  1.708,
  1.706,
  1.703,
  1.701,
  1.699,
  1.697,
];

export function tQuantile(df: number, level: 0.95 | 0.975): number {
  if (df < 1) return Infinity;
  const table = level === 0.975 ? T975 : T95;
  return df <= table.length ? table[df - 1] : level === 0.975 ? 1.96 : 1.645;
}

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
  /** Pairs (seeds) behind it. */
  n: number;
  /** Standard deviation of the paired differences (0 for one pair). */
  sd: number;
}

export function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1
    ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
    : 0;
  return { mean, std };
}

/**
 * Mean of a - b over paired runs (same seed) with its t interval at `level` per side: 0.975 gives the usual
 * two-sided 95% interval, 0.95 the 90% interval of an equivalence test. One pair gives an infinite interval.
 */
export function pairedDifference(a: number[], b: number[], level: 0.95 | 0.975 = 0.975): Interval {
  if (a.length !== b.length || !a.length) {
    throw new Error(
      `pairedDifference: needs equally many values, at least one (got ${a.length} and ${b.length})`,
    );
  }
  const d = a.map((v, i) => v - b[i]);
  const { mean, std } = meanStd(d);
  const n = d.length;
  const half = n > 1 ? (tQuantile(n - 1, level) * std) / Math.sqrt(n) : Infinity;
  return { mean, lo: mean - half, hi: mean + half, n, sd: std };
}

/**
 * Mean of a - b for independent samples (no pairing: e.g. two engines with their own data orders) with Welch's
 * t interval at `level` per side, its degrees of freedom by Welch-Satterthwaite (rounded down).
 */
export function welchDifference(
  a: number[],
  b: number[],
  level: 0.95 | 0.975 = 0.975,
): { mean: number; lo: number; hi: number; df: number } {
  if (a.length < 2 || b.length < 2) {
    throw new Error(`welchDifference: needs two values a side at least (got ${a.length} and ${b.length})`);
  }
  const x = meanStd(a);
  const y = meanStd(b);
  const va = x.std ** 2 / a.length;
  const vb = y.std ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  const df = se > 0 ? Math.floor((va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1))) : 1;
  const mean = x.mean - y.mean;
  const half = tQuantile(Math.max(df, 1), level) * se;
  return { mean, lo: mean - half, hi: mean + half, df };
}

/**
 * The recipe twin's rule at one point: our mean lies within the range of the other engine's seeds, or within
 * `margin` of its mean.
 */
export function withinSpreadOrMargin(ours: number[], theirs: number[], margin: number): boolean {
  const mean = meanStd(ours).mean;
  const inRange = mean >= Math.min(...theirs) && mean <= Math.max(...theirs);
  return inRange || Math.abs(mean - meanStd(theirs).mean) <= margin;
}

/**
 * How often two identical engines pass `withinSpreadOrMargin` at every point at once, `seeds` runs a side, when a
 * point's seed-to-seed spread is `sds[i]` (normal noise; Monte Carlo over `trials` draws from `rng`). The rule
 * can only be read as evidence of a difference where this is high: with few seeds it fails identical engines.
 */
export function identicalPassRate(
  sds: number[],
  seeds: number,
  margin: number,
  trials: number,
  rng: { normal(): number },
): number {
  let passed = 0;
  for (let t = 0; t < trials; t++) {
    const draw = (sd: number) => Array.from({ length: seeds }, () => sd * rng.normal());
    if (sds.every((sd) => withinSpreadOrMargin(draw(sd), draw(sd), margin))) passed++;
  }
  return passed / trials;
}

/** Seeds that would make the interval's half-width below `margin` for differences of this spread. */
export function seedsNeeded(sd: number, margin: number, level: 0.95 | 0.975): number | null {
  if (!(sd > 0)) return 2;
  for (let n = 2; n <= 200; n++) {
    if ((tQuantile(n - 1, level) * sd) / Math.sqrt(n) < margin) return n;
  }
  return null;
}

export function spearman(xs: number[], ys: number[]): number {
  const rank = (v: number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    order.forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const rx = rank(xs);
  const ry = rank(ys);
  const n = xs.length;
  const d2 = rx.reduce((a, r, i) => a + (r - ry[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/**
 * Two-sided 5% critical values of Spearman's rho for n = 5..30 (Zar 1972); beyond, the normal approximation
 * 1.96 / sqrt(n - 1). Below 5 points no rank correlation is significant.
 */
const RHO_CRIT: Record<number, number> = {
  5: 1,
  6: 0.886,
  7: 0.786,
  8: 0.738,
  9: 0.7,
  10: 0.648,
  11: 0.618,
  12: 0.587,
  13: 0.56,
  14: 0.538,
  15: 0.521,
  16: 0.503,
  17: 0.485,
  18: 0.472,
  19: 0.46,
  20: 0.447,
  25: 0.398,
  30: 0.362,
};

export function spearmanCritical(n: number): number {
  if (n < 5) return Infinity;
  if (RHO_CRIT[n] !== undefined) return RHO_CRIT[n];
  if (n < 30) {
    const below = Math.max(...Object.keys(RHO_CRIT).map(Number).filter((k) => k < n));
    return RHO_CRIT[below];
  }
  return 1.96 / Math.sqrt(n - 1);
}

/**
 * McNemar's test on paired per-image outcomes: b = images A gets right and B wrong, c = the reverse. The exact
 * two-sided binomial p-value of b against Binomial(b + c, 1/2).
 */
export function mcnemar(b: number, c: number): { b: number; c: number; p: number } {
  const n = b + c;
  if (n === 0) return { b, c, p: 1 };
  const k = Math.min(b, c);
  // P(X <= k) for X ~ Bin(n, 1/2), in logs to stay finite for large n.
  let logTerm = -n * Math.LN2; // log C(n, 0) / 2^n
  let tail = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i);
    tail += Math.exp(logTerm);
  }
  return { b, c, p: Math.min(1, 2 * tail) };
}

export { OFF_CHANCE } from "./plateau.ts";

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
