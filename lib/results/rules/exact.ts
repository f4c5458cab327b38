/**
 * Claim rules for computed values: an exact computation against the paper's, and a quantity measured on
 * random draws against its derived value.
 */
import { bandVerdict, type Base, type Claim, type ClaimRegime, finish, type Series } from "../claim_core.ts";
import { pairedDifference, seedsNeeded } from "../stats.ts";

export interface AnalyticClaim extends Omit<Base, "regime"> {
  /** Default "init": exact computations are about an initialization or an architecture. */
  regime?: ClaimRegime;
  value: number;
  target: number;
  /** Relative tolerance: |value / target - 1| within it reproduced (with log2: |log2(value / target)|). */
  tolerance: number;
  /** Beyond this gap: not reproduced; between the two: inconclusive (default: the tolerance). */
  outer?: number;
  /** Compare on a log2 scale: the gap is |log2(value / target)| and the tolerances are in factors of 2. */
  log2?: boolean;
  digits?: number;
  /** Why the band is as wide as it is (e.g. an unknown counting convention). */
  why?: string;
  /** Counts that must match exactly (a depth): any mismatch is "not reproduced". */
  exact?: { what: string; ours: number; paper: number }[];
}

/** The gap between a value and its target: relative (|v/t - 1|) or in factors of 2 (|log2(v/t)|). */
export function targetGap(value: number, target: number, log2 = false): number {
  const r = value / target;
  return log2 ? (r > 0 ? Math.abs(Math.log2(r)) : Infinity) : Math.abs(r - 1);
}

/** A computed value against the paper's: within the tolerance reproduced, beyond the outer band not. */
export function analytic(c: AnalyticClaim): Claim {
  const gap = targetGap(c.value, c.target, c.log2);
  const outer = c.outer ?? c.tolerance;
  const mismatches = (c.exact ?? []).filter((e) => e.ours !== e.paper);
  const verdict = mismatches.length
    ? "not reproduced"
    : gap <= c.tolerance
    ? "reproduced"
    : gap > outer
    ? "not reproduced"
    : "inconclusive";
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 ? 2 : 1)}%`;
  const factor = (x: number) => `a factor ${(2 ** x).toFixed(3)}`;
  const band = c.log2 ? factor : pct;
  const digits = c.digits ?? 3;
  const exactRule = c.exact?.length
    ? `; ${c.exact.map((e) => e.what).join(", ")} must match exactly, else not reproduced`
    : "";
  const exactEvidence = (c.exact ?? []).map((e) =>
    `; ${e.what} ${e.ours} against ${e.paper}${e.ours === e.paper ? "" : " (mismatch)"}`
  ).join("");
  const ratio = c.value / c.target;
  const shown = c.log2
    ? `${ratio >= 1 ? "x" : "/"}${(ratio >= 1 ? ratio : 1 / ratio).toPrecision(3)}`
    : `${c.value >= c.target ? "+" : "-"}${pct(gap)}`;
  return finish(
    { ...c, regime: c.regime ?? "init" },
    "analytic",
    "analytic",
    verdict,
    `Exact computation: within ${band(c.tolerance)} of the paper's value (either side) reproduced` +
      (outer > c.tolerance
        ? `, more than ${band(outer)} away not reproduced, between inconclusive`
        : ", else not reproduced") +
      exactRule + (c.why ? ` (${c.why})` : ""),
    `${c.value.toPrecision(digits)} against ${c.target.toPrecision(digits)} (${shown})${exactEvidence}`,
  );
}

export interface NearTargetClaim extends Omit<Base, "regime"> {
  /** Default "init": measured on random nets. */
  regime?: ClaimRegime;
  /** Independent draws of the quantity (per seed, or per layer and seed). */
  values: Series;
  target: number;
  /** Each draw's gap is log2(value / target) instead of value / target - 1; the tolerance is in log2 units. */
  log2?: boolean;
  /** The band: the interval of the mean gap inside +-tolerance reproduced, entirely outside it not reproduced. */
  tolerance: number;
  digits?: number;
  why?: string;
}

/**
 * "The quantity is the derived value": the 90% t interval (two one-sided tests at 5%) of the mean signed gap
 * over independent draws, inside +-tolerance reproduced, entirely beyond it on either side not reproduced, else
 * inconclusive (underpowered, with the draws that would resolve it, when the interval is wider than the band).
 */
export function nearTarget(c: NearTargetClaim): Claim {
  const gaps = c.values.values.map((v) => c.log2 ? Math.log2(v / c.target) : v / c.target - 1);
  const iv = pairedDifference(gaps, gaps.map(() => 0), 0.95);
  const tol = c.tolerance;
  const verdict = iv.n >= 2 ? bandVerdict(iv.lo, iv.hi, tol) : "inconclusive";
  const half = (iv.hi - iv.lo) / 2;
  let power = "";
  if (verdict === "inconclusive" && !(half < tol)) {
    const need = seedsNeeded(iv.sd, tol, 0.95);
    power = `; underpowered at ${iv.n} draws` + (need ? ` (about ${need} would resolve it)` : "");
  }
  const digits = c.digits ?? 3;
  const unit = c.log2 ? "log2" : "relative";
  const show = (x: number) => c.log2 ? x.toFixed(3) : `${(100 * x).toFixed(2)}%`;
  const mean = c.log2 ? c.target * 2 ** iv.mean : c.target * (1 + iv.mean);
  return finish(
    { ...c, regime: c.regime ?? "init" },
    "nearTarget",
    "analytic",
    verdict,
    `90% t interval over ${iv.n} independent draws of ${c.values.label}'s ${unit} gap to ${
      c.target.toPrecision(digits)
    }: inside +-${show(tol)} reproduced, entirely beyond it (either side) not reproduced, else inconclusive` +
      (c.why ? ` (${c.why})` : ""),
    `mean ${mean.toPrecision(digits)}; ${unit} gap ${show(iv.mean)} [${show(iv.lo)}, ${show(iv.hi)}]${power}`,
  );
}
