/**
 * Claim rules whose noise is the seeds: t intervals of paired differences, of one series against a bound,
 * and sign tests over items.
 */
import {
  bandVerdict,
  type Base,
  type Claim,
  finish,
  interval,
  type Precondition,
  pts,
  type Series,
} from "../claim_core.ts";
import {
  type Interval,
  mcnemar as mcnemarTest,
  meanStd,
  pairedDifference,
  seedsNeeded,
  tQuantile,
} from "../stats.ts";

export interface BetterClaim extends Base {
  /** The claim: `a` has a lower value (error) than `b`; values paired by seed. */
  a: Series;
  b: Series;
  /** Multiplies values in prose (100: fractions shown as percentage points). */
  scale?: number;
  unit?: string;
  preconditions?: Precondition[];
}

/** "A has lower error than B": 95% t interval of B - A over seeds above 0, below 0, or straddling it. */
export function better(c: BetterClaim): Claim {
  const scale = c.scale ?? 100;
  const unit = c.unit ?? "points";
  const iv = pairedDifference(c.b.values, c.a.values);
  const verdict = iv.n < 2
    ? "inconclusive"
    : iv.lo > 0
    ? "reproduced"
    : iv.hi < 0
    ? "not reproduced"
    : "inconclusive";
  return finish(
    c,
    "better",
    "empirical",
    verdict,
    `95% t interval over ${iv.n} paired seeds of ${c.b.label} - ${c.a.label}: entirely above 0 reproduced, ` +
      `entirely below 0 not reproduced, else inconclusive (one seed: inconclusive)`,
    `${c.b.label} - ${c.a.label} = ${interval(iv, scale)} ${unit}`,
    c.preconditions,
  );
}

export interface EquivalentClaim extends Base {
  a: Series;
  b: Series;
  /** The claim: |a - b| < margin (in the values' units). */
  margin: number;
  scale?: number;
  unit?: string;
  preconditions?: Precondition[];
}

/**
 * "A and B are about equal": two one-sided t tests at 5% (the 90% interval of A - B) against +-margin. Inside
 * the margin: reproduced; entirely outside it: not reproduced; otherwise inconclusive, and "underpowered" when
 * the seeds' spread makes the interval wider than the margin whatever the mean (with the seeds that would do).
 */
export function equivalent(c: EquivalentClaim): Claim {
  const scale = c.scale ?? 100;
  const unit = c.unit ?? "points";
  const iv = pairedDifference(c.a.values, c.b.values, 0.95);
  const m = c.margin;
  const half = (iv.hi - iv.lo) / 2;
  const verdict = iv.n >= 2 ? bandVerdict(iv.lo, iv.hi, m) : "inconclusive";
  let power = "";
  if (verdict === "inconclusive" && !(half < m)) {
    const need = seedsNeeded(iv.sd, m, 0.95);
    power = `; underpowered: with this spread the interval is wider than the margin at ${iv.n} seeds` +
      (need ? ` (about ${need} seeds would resolve it)` : "");
  }
  return finish(
    c,
    "equivalent",
    "empirical",
    verdict,
    `Equivalence test (two one-sided t tests at 5%, the 90% interval of ${c.a.label} - ${c.b.label} over ` +
      `${iv.n} paired seeds) against a margin of ${pts(m, scale)} ${unit}: inside the margin reproduced, ` +
      `entirely outside it not reproduced, else inconclusive`,
    `${c.a.label} - ${c.b.label} = ${interval(iv, scale)} ${unit} (90% interval)${power}`,
    c.preconditions,
  );
}

export interface NoBetterClaim extends Base {
  /** The claim: `a` is no better (lower) than `b` by more than `margin`. */
  a: Series;
  b: Series;
  margin: number;
  scale?: number;
  unit?: string;
  preconditions?: Precondition[];
}

/** "A is no better than B": 95% t interval of B - A below the margin reproduced, above it not reproduced. */
export function noBetter(c: NoBetterClaim): Claim {
  const scale = c.scale ?? 100;
  const unit = c.unit ?? "points";
  const iv = pairedDifference(c.b.values, c.a.values);
  const m = c.margin;
  const verdict = iv.n < 2
    ? "inconclusive"
    : iv.hi < m
    ? "reproduced"
    : iv.lo > m
    ? "not reproduced"
    : "inconclusive";
  return finish(
    c,
    "noBetter",
    "empirical",
    verdict,
    `95% t interval over ${iv.n} paired seeds of ${c.b.label} - ${c.a.label} (how much better ${c.a.label} ` +
      `is): entirely below ${
        pts(m, scale)
      } ${unit} reproduced, entirely above it not reproduced, else inconclusive`,
    `${c.b.label} - ${c.a.label} = ${interval(iv, scale)} ${unit}`,
    c.preconditions,
  );
}

export interface LargestClaim extends Base {
  /** Per-item per-seed values; the claim: `item` has the largest value. */
  series: Series[];
  item: string;
  digits?: number;
  preconditions?: Precondition[];
}

/**
 * "This item is the largest": 95% paired t intervals over seeds of the item minus each other item. Above 0 for
 * every other: reproduced; below 0 for some other: not reproduced; else inconclusive.
 */
export function largest(c: LargestClaim): Claim {
  const mine = c.series.find((s) => s.label === c.item);
  if (!mine) throw new Error(`${c.id}: no series ${c.item}`);
  const others = c.series.filter((s) => s !== mine);
  const ivs = others.map((o) => ({ label: o.label, iv: pairedDifference(mine.values, o.values) }));
  const n = mine.values.length;
  const verdict = n < 2
    ? "inconclusive"
    : ivs.every((x) => x.iv.lo > 0)
    ? "reproduced"
    : ivs.some((x) => x.iv.hi < 0)
    ? "not reproduced"
    : "inconclusive";
  const closest = ivs.reduce((a, x) => (x.iv.mean < a.iv.mean ? x : a), ivs[0]);
  const digits = c.digits ?? 3;
  return finish(
    c,
    "largest",
    "empirical",
    verdict,
    `95% t intervals over ${n} paired seeds of ${c.item} minus each other item: all above 0 reproduced, any ` +
      `below 0 not reproduced, else inconclusive`,
    `${c.item} ${meanStd(mine.values).mean.toFixed(digits)}; closest: ${closest.label}, difference ${
      interval(closest.iv, 1, digits)
    }; ${ivs.filter((x) => x.iv.hi < 0).length} items clearly above it`,
    c.preconditions,
  );
}

export interface BoundClaim extends Base {
  /** Per-seed values; the claim: the value is below (above) `bound`. */
  values: Series;
  bound: number;
  side: "below" | "above";
  scale?: number;
  unit?: string;
  preconditions?: Precondition[];
}

/** "The value is below the bound": 95% t interval over seeds entirely on the claimed side, or the other. */
export function bound(c: BoundClaim): Claim {
  const scale = c.scale ?? 1;
  const unit = c.unit ?? "";
  const v = c.values.values;
  const { mean, std } = meanStd(v);
  const half = v.length > 1 ? (tQuantile(v.length - 1, 0.975) * std) / Math.sqrt(v.length) : Infinity;
  const iv: Interval = { mean, lo: mean - half, hi: mean + half, n: v.length, sd: std };
  const claimed = c.side === "below" ? iv.hi < c.bound : iv.lo > c.bound;
  const opposite = c.side === "below" ? iv.lo > c.bound : iv.hi < c.bound;
  const verdict = v.length < 2
    ? "inconclusive"
    : claimed
    ? "reproduced"
    : opposite
    ? "not reproduced"
    : "inconclusive";
  return finish(
    c,
    "bound",
    "empirical",
    verdict,
    `95% t interval over ${v.length} seeds of ${c.values.label}: entirely ${c.side} ${
      pts(c.bound, scale)
    }${unit} ` +
      `reproduced, entirely on the other side not reproduced, else inconclusive`,
    `${c.values.label} = ${interval(iv, scale)}${unit}`,
    c.preconditions,
  );
}

export interface SignTestClaim extends Base {
  /** Items (layers) with per-seed values of A and B; the claim: A below B in most items. */
  items: { label: string; a: number[]; b: number[] }[];
  aLabel: string;
  bLabel: string;
  preconditions?: Precondition[];
}

/**
 * "A is below B in general": per item, a 95% paired t interval of B - A marks it clearly below, clearly above or
 * neither; a two-sided binomial sign test at 5% on the clear items decides.
 */
export function signTest(c: SignTestClaim): Claim {
  let below = 0;
  let above = 0;
  for (const it of c.items) {
    const iv = pairedDifference(it.b, it.a);
    if (iv.lo > 0) below++;
    else if (iv.hi < 0) above++;
  }
  const t = mcnemarTest(below, above);
  const verdict = t.p < 0.05 ? (below > above ? "reproduced" : "not reproduced") : "inconclusive";
  return finish(
    c,
    "signTest",
    "empirical",
    verdict,
    `Per item a 95% paired t interval over seeds of ${c.bLabel} - ${c.aLabel}; a two-sided binomial sign test ` +
      `at 5% over the items clearly on one side: more items with ${c.aLabel} below reproduced, more above not ` +
      `reproduced, not significant inconclusive`,
    `${c.aLabel} clearly below in ${below} of ${c.items.length} items, clearly above in ${above}; p = ${
      t.p.toPrecision(2)
    }`,
    c.preconditions,
  );
}
