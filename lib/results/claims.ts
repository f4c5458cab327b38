/**
 * Claims as data. A claim is declared once (its text, the paper's numbers and where they are, the statistic, the
 * test and its thresholds) and that one definition yields both the verdict and the prose of the rule behind it,
 * so the two cannot drift apart. Every kind has the three outcomes and a noise model:
 *   better       a paired t interval over seeds of "A's error minus B's"
 *   equivalent   a two one-sided t test (TOST) of a difference against a margin; "underpowered" when the seeds
 *                cannot resolve the margin, with the number of seeds that would
 *   noBetter     a t interval against a margin, for "A is no better than B"
 *   mcnemar      an exact McNemar test over test images, for paired per-image comparisons
 *   pairedEquivalent  an equivalence test of two error rates on the same images (paired proportions)
 *   trend        Spearman's rank correlation against its critical value
 *   largest      paired t intervals of one item against every other
 *   bound        a t interval of a per-seed value against a bound
 *   signTest     a binomial sign test over items (layers) of paired t intervals
 *   stall        a learning curve against chance, with a noise band from the validation set's size
 *   earlier      first crossings of two curves, separated by at least two evaluation intervals
 *   analytic     a computed value against the paper's, with a tolerance band (no noise: an exact computation)
 *   nearTarget   a t interval over random draws (seeds, layers) of a quantity measured at initialization, against
 *                a band around the derived value
 *   oneSeedPair  two nets trained at one seed each, compared on the same test images with the seed-to-seed
 *                noise measured on sibling variants added to the test sample's
 * A claim may carry preconditions (slopes that moved, nets that left the chance plateau); when one fails the
 * verdict is "not testable" with the reason, and the report counts it apart.
 *
 * Every claim declares the regime it is about (ClaimRegime): initialization or architecture, the start of
 * training, or converged nets. A result's claims are judged against the stage its nets reached (judgeRegime):
 * a verdict from a run outside the claim's regime is an early-training proxy, labelled and tallied apart.
 */
import {
  firstCrossing,
  type Interval,
  mcnemar as mcnemarTest,
  meanStd,
  OFF_CHANCE,
  pairedDifference,
  seedsNeeded,
  spearman,
  spearmanCritical,
  tQuantile,
} from "./stats.ts";
import { faultActive } from "../faults.ts";

export type Verdict = "reproduced" | "not reproduced" | "inconclusive" | "not testable";
export const VERDICTS: Verdict[] = ["reproduced", "not reproduced", "inconclusive", "not testable"];

/** Analytic claims are exact computations (no training); empirical ones rest on trained nets. */
export type ClaimCategory = "analytic" | "empirical";

export type ClaimKind =
  | "nearTarget"
  | "oneSeedPair"
  | "better"
  | "equivalent"
  | "noBetter"
  | "mcnemar"
  | "pairedEquivalent"
  | "trend"
  | "largest"
  | "bound"
  | "signTest"
  | "stall"
  | "earlier"
  | "analytic";

/**
 * The regime a claim is about: "init" (an initialization or an architecture: no training needed), "onset" (the
 * start of training from scratch, e.g. leaving chance), "converged" (nets trained out, as the paper's tables are).
 */
export type ClaimRegime = "init" | "onset" | "converged";
export const CLAIM_REGIMES: Record<ClaimRegime, string> = {
  init: "initialization or architecture",
  onset: "start of training",
  converged: "converged nets",
};

/** How far a result's nets trained: not at all, early (stopped before convergence), or converged by a criterion. */
export type RunStage = "untrained" | "early" | "converged";

/** The stage a claim was judged at, and whether that is the regime it is about. */
export interface Judged {
  stage: RunStage;
  inRegime: boolean;
}

/** A claim's verdict as result.json stores it: its declaration's fields and the outcome, not its inputs. */
export interface Claim {
  id: string;
  /** The paper's claim, in a sentence. */
  text: string;
  /** Where the paper makes it, with its numbers. */
  paper: string;
  regime: ClaimRegime;
  kind: ClaimKind;
  category: ClaimCategory;
  verdict: Verdict;
  /** The rule that turns our measurements into the verdict, written from the claim's definition. */
  rule: string;
  /** Our numbers behind the verdict. */
  evidence: string;
  /** Why the claim cannot be tested here, when a precondition failed. */
  notTestable?: string;
  /** Set when the result is written (judgeRegime): the stage of the run and whether it is the claim's regime. */
  judged?: Judged;
}

interface Base {
  id: string;
  text: string;
  paper: string;
  regime: ClaimRegime;
}

/** A condition the claim needs to be testable at all, and what it measured. */
export interface Precondition {
  met: boolean;
  /** What the condition is, e.g. "the slopes moved at least 0.05 from their 0.25 start". */
  what: string;
  /** The measurement, e.g. "mean |a - 0.25| = 0.012". */
  measured: string;
}

/** A named per-seed series of a lower-is-better metric (errors), or of a plain value. */
export interface Series {
  label: string;
  values: number[];
}

const pts = (x: number, scale: number, digits = 2) => (scale * x).toFixed(digits);

function interval(iv: Interval, scale: number, digits = 2): string {
  if (!Number.isFinite(iv.lo)) return `${pts(iv.mean, scale, digits)} (one seed: no interval)`;
  return `${pts(iv.mean, scale, digits)} [${pts(iv.lo, scale, digits)}, ${pts(iv.hi, scale, digits)}]`;
}

function finish(
  base: Base,
  kind: ClaimKind,
  category: ClaimCategory,
  measured: Exclude<Verdict, "not testable">,
  rule: string,
  evidence: string,
  pre: Precondition[] = [],
): Claim {
  // Fault injection (lib/faults.ts): a rule that cannot fail, which the claim and check tests must catch.
  const verdict = faultActive("claims-always-reproduced") ? "reproduced" : measured;
  const failed = pre.filter((p) => !p.met);
  const conditions = pre.map((p) => `${p.what} (${p.measured})`);
  const fullRule = pre.length ? `Needs: ${conditions.join("; ")}. ${rule}` : rule;
  // The declaration's fields only: the inputs (per-image outcomes, curves) stay out of result.json.
  const declared = { id: base.id, text: base.text, paper: base.paper, regime: base.regime };
  if (failed.length) {
    return {
      ...declared,
      kind,
      category,
      verdict: "not testable",
      rule: fullRule,
      evidence,
      notTestable: failed.map((p) => `${p.what}: ${p.measured}`).join("; "),
    };
  }
  return { ...declared, kind, category, verdict, rule: fullRule, evidence };
}

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
  let verdict: Exclude<Verdict, "not testable"> = "inconclusive";
  let power = "";
  if (iv.n >= 2 && iv.lo > -m && iv.hi < m) verdict = "reproduced";
  else if (iv.n >= 2 && (iv.lo > m || iv.hi < -m)) verdict = "not reproduced";
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

export interface McNemarClaim extends Base {
  /** The claim: `a` is right on more test images than `b`; per-image correctness, same images in order. */
  a: { label: string; correct: boolean[] };
  b: { label: string; correct: boolean[] };
  /** What "right" means, e.g. "top-5". */
  metric: string;
  preconditions?: Precondition[];
}

/** "A beats B image by image": exact McNemar test at 5% over the images where exactly one of them is right. */
export function mcnemar(c: McNemarClaim): Claim {
  if (c.a.correct.length !== c.b.correct.length) {
    throw new Error(
      `${c.id}: McNemar needs the same images for both (${c.a.correct.length} vs ${c.b.correct.length})`,
    );
  }
  let onlyA = 0;
  let onlyB = 0;
  c.a.correct.forEach((r, i) => {
    if (r && !c.b.correct[i]) onlyA++;
    else if (!r && c.b.correct[i]) onlyB++;
  });
  const t = mcnemarTest(onlyA, onlyB);
  const verdict = t.p < 0.05 ? (onlyA > onlyB ? "reproduced" : "not reproduced") : "inconclusive";
  return finish(
    c,
    "mcnemar",
    "empirical",
    verdict,
    `Exact McNemar test over ${c.a.correct.length} test images (${c.metric}): significant at 5% in favour of ` +
      `${c.a.label} reproduced, significant the other way not reproduced, else inconclusive`,
    `${c.metric} right for ${c.a.label} only: ${onlyA} images, for ${c.b.label} only: ${onlyB}; p = ${
      t.p.toPrecision(2)
    }`,
    c.preconditions,
  );
}

export interface PairedEquivalentClaim extends Base {
  a: { label: string; correct: boolean[] };
  b: { label: string; correct: boolean[] };
  /** The claim: the error rates differ by less than this (a fraction). */
  margin: number;
  metric: string;
  preconditions?: Precondition[];
}

/**
 * "A and B are about equal, image by image": the 90% interval of the difference in error rates on the same
 * images (paired proportions: variance from the discordant pairs) against +-margin, as TOST does. The noise is
 * the test set's sampling only, not the seeds'.
 */
export function pairedEquivalent(c: PairedEquivalentClaim): Claim {
  const n = c.a.correct.length;
  if (n !== c.b.correct.length || n === 0) throw new Error(`${c.id}: paired outcomes need the same images`);
  let onlyA = 0;
  let onlyB = 0;
  c.a.correct.forEach((r, i) => {
    if (r && !c.b.correct[i]) onlyA++;
    else if (!r && c.b.correct[i]) onlyB++;
  });
  // error(A) - error(B) = (onlyB - onlyA) / n
  const d = (onlyB - onlyA) / n;
  const se = Math.sqrt(Math.max(onlyA + onlyB - ((onlyA - onlyB) ** 2) / n, 0)) / n;
  const lo = d - 1.645 * se;
  const hi = d + 1.645 * se;
  const m = c.margin;
  const verdict = lo > -m && hi < m ? "reproduced" : lo > m || hi < -m ? "not reproduced" : "inconclusive";
  const power = verdict === "inconclusive" && 1.645 * se >= m
    ? "; underpowered: the interval is wider than the margin"
    : "";
  return finish(
    c,
    "pairedEquivalent",
    "empirical",
    verdict,
    `Equivalence on ${n} test images (${c.metric}): the 90% interval of error(${c.a.label}) - error(${c.b.label}) ` +
      `from paired outcomes against a margin of ${
        pts(m, 100)
      } points: inside reproduced, entirely outside not ` +
      `reproduced, else inconclusive; the noise is the test sample's only (one seed each)`,
    `difference ${pts(d, 100)} [${pts(lo, 100)}, ${pts(hi, 100)}] points${power}`,
    c.preconditions,
  );
}

export interface TrendClaim extends Base {
  /** Items in order (layers by depth) and each one's value (a mean over seeds). */
  items: string[];
  values: number[];
  direction: "decreasing" | "increasing";
  preconditions?: Precondition[];
}

/** "Values fall (rise) along the items": Spearman's rho against its two-sided 5% critical value. */
export function trend(c: TrendClaim): Claim {
  const n = c.values.length;
  const rho = spearman(c.values.map((_, i) => i), c.values);
  const crit = spearmanCritical(n);
  const sign = c.direction === "decreasing" ? -1 : 1;
  const verdict = sign * rho >= crit ? "reproduced" : -sign * rho >= crit ? "not reproduced" : "inconclusive";
  return finish(
    c,
    "trend",
    "empirical",
    verdict,
    `Spearman's rho of position and value over ${n} items against its two-sided 5% critical value ${
      Number.isFinite(crit) ? crit.toFixed(3) : "(none below 5 items)"
    }: significant and ${c.direction} reproduced, significant the other way not reproduced, else inconclusive`,
    `rho = ${rho.toFixed(2)} over ${c.items.join(", ")}`,
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

export interface StallClaim extends Base {
  /** A validation error curve; the claim: it stays at chance for the whole run (or, "leaves", it does not). */
  curve: { label: string; points: { epoch: number; err: number }[] };
  chance: number;
  /** Validation images per point: the noise band is 3 binomial standard deviations at chance. */
  valImages: number;
  /** "stays" (default): the claim is a stall; "leaves": the claim is that the net leaves chance. */
  expect?: "stays" | "leaves";
  /**
   * The paper's span in epochs for the claim: a curve shorter than it can show a net leave chance, but neither a
   * stall over the span nor that a net never leaves, so those outcomes read inconclusive on a shorter curve.
   */
  window: number;
  preconditions?: Precondition[];
}

/**
 * "The net stalls at chance": every point within 3 binomial standard deviations of chance over at least the
 * paper's span reproduced; the last point below chance by more than 3 standard deviations plus 5 points not
 * reproduced; else inconclusive. Read the other way ("leaves") the two outcomes swap.
 */
export function stall(c: StallClaim): Claim {
  const band = 3 * Math.sqrt((c.chance * (1 - c.chance)) / c.valImages);
  const errs = c.curve.points.map((p) => p.err);
  const span = c.curve.points[c.curve.points.length - 1].epoch;
  const lowest = Math.min(...errs);
  const last = errs[errs.length - 1];
  // A stall is only shown over the paper's span; a net that leaves shows it whenever it does.
  const stays = lowest >= c.chance - band && span >= c.window;
  const leaves = last < c.chance - band - OFF_CHANCE;
  const leaving = c.expect === "leaves";
  const verdict = stays
    ? (leaving ? "not reproduced" : "reproduced")
    : leaves
    ? (leaving ? "reproduced" : "not reproduced")
    : "inconclusive";
  const stayText =
    `every point within ${pts(band, 100)} points (3 binomial sd on ${c.valImages} validation ` +
    `images) of chance ${pts(c.chance, 100)}% over at least ${c.window} epochs`;
  const leaveText = "its last point more than 5 points below that band";
  return finish(
    c,
    "stall",
    "empirical",
    verdict,
    `${c.curve.label}'s validation error: ${leaving ? leaveText : stayText} reproduced; ${
      leaving ? stayText : leaveText
    } not reproduced; else inconclusive`,
    `lowest ${pts(lowest, 100)}%, last ${pts(last, 100)}% over ${errs.length} points to epoch ${
      span.toFixed(2)
    }${span < c.window ? ` (shorter than the paper's ${c.window} epochs)` : ""}`,
    c.preconditions,
  );
}

/** The precondition "this run left chance": its last point more than 5 points below chance's noise band. */
export function leftChance(
  label: string,
  points: { err: number }[],
  chance: number,
  valImages: number,
): Precondition {
  const band = 3 * Math.sqrt((chance * (1 - chance)) / valImages);
  const last = points[points.length - 1].err;
  return {
    met: last < chance - band - OFF_CHANCE,
    what: `${label} left chance (last validation error more than 5 points below ${pts(chance - band, 100)}%)`,
    measured: `last ${pts(last, 100)}%`,
  };
}

export interface EarlierClaim extends Base {
  /** The claim: curve `a` drops below `threshold` earlier than curve `b`. */
  a: { label: string; points: { epoch: number; err: number }[] };
  b: { label: string; points: { epoch: number; err: number }[] };
  threshold: number;
  /** Epochs between evaluation points: crossings closer than two intervals count as a tie. */
  interval: number;
  preconditions?: Precondition[];
}

/**
 * "A starts reducing the error earlier than B": first crossings of `threshold` (a run that never crosses counts
 * as crossing after its end). A earlier by two evaluation intervals or more reproduced, B earlier by as much not
 * reproduced, else inconclusive.
 */
export function earlier(c: EarlierClaim): Claim {
  const end = (pts: { epoch: number }[]) => pts[pts.length - 1].epoch;
  const ta = firstCrossing(c.a.points, c.threshold);
  const tb = firstCrossing(c.b.points, c.threshold);
  const xa = ta ?? end(c.a.points) + c.interval;
  const xb = tb ?? end(c.b.points) + c.interval;
  const gap = 2 * c.interval;
  const verdict = ta === null && tb === null
    ? "inconclusive"
    : xb - xa >= gap
    ? "reproduced"
    : xa - xb >= gap
    ? "not reproduced"
    : "inconclusive";
  const show = (t: number | null) => (t === null ? "never" : `epoch ${t.toFixed(3)}`);
  return finish(
    c,
    "earlier",
    "empirical",
    verdict,
    `First epoch below ${
      pts(c.threshold, 100)
    }% validation error (a run that never gets there counts as after ` +
      `its end): ${c.a.label} earlier by at least two evaluation intervals (${gap.toFixed(3)} epochs) ` +
      `reproduced, ${c.b.label} earlier by as much not reproduced, else inconclusive`,
    `${c.a.label}: ${show(ta)}; ${c.b.label}: ${show(tb)}`,
    c.preconditions,
  );
}

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
  let verdict: Exclude<Verdict, "not testable"> = "inconclusive";
  if (iv.n >= 2 && iv.lo > -tol && iv.hi < tol) verdict = "reproduced";
  else if (iv.n >= 2 && (iv.lo > tol || iv.hi < -tol)) verdict = "not reproduced";
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

/** A seed-to-seed standard deviation measured on variants trained at several seeds, lent to single-seed nets. */
export interface SeedNoise {
  sd: number;
  /** Degrees of freedom of the estimate (seeds minus one, summed over the variants pooled). */
  df: number;
  /** Where it was measured. */
  from: string;
}

/** The pooled within-variant standard deviation of several variants' per-seed values. */
export function pooledSeedNoise(groups: number[][], from: string): SeedNoise | null {
  const used = groups.filter((g) => g.length > 1);
  const df = used.reduce((a, g) => a + g.length - 1, 0);
  if (!df) return null;
  const ss = used.reduce((a, g) => {
    const m = meanStd(g).mean;
    return a + g.reduce((b, x) => b + (x - m) ** 2, 0);
  }, 0);
  return { sd: Math.sqrt(ss / df), df, from };
}

export interface OneSeedPairClaim extends Base {
  /** Per-image correctness of the two nets, one seed each, on the same images in order. */
  a: { label: string; correct: boolean[] };
  b: { label: string; correct: boolean[] };
  /** "better": a has lower error than b; "equivalent": their errors differ by less than `margin`. */
  test: "better" | "equivalent";
  margin?: number;
  metric: string;
  /** The seed noise each single-seed net carries; null (not measured) makes the claim not testable. */
  seedNoise: SeedNoise | null;
  preconditions?: Precondition[];
}

/**
 * Two nets at one seed each: the difference of their error rates on the same images, with its variance the
 * test sample's (paired proportions) plus twice the seed variance measured on sibling variants (each net is one
 * draw of its seed), on Satterthwaite's degrees of freedom. "better": the 95% interval of error(b) - error(a)
 * above 0 reproduced, below 0 not reproduced; "equivalent": the 90% interval of error(a) - error(b) inside
 * +-margin reproduced, entirely outside not reproduced; else inconclusive, with the seeds per net that would
 * resolve it.
 */
export function oneSeedPair(c: OneSeedPairClaim): Claim {
  const n = c.a.correct.length;
  if (n !== c.b.correct.length || n === 0) throw new Error(`${c.id}: paired outcomes need the same images`);
  let onlyA = 0;
  let onlyB = 0;
  c.a.correct.forEach((r, i) => {
    if (r && !c.b.correct[i]) onlyA++;
    else if (!r && c.b.correct[i]) onlyB++;
  });
  const d = (onlyB - onlyA) / n; // error(a) - error(b)
  const testVar = Math.max(onlyA + onlyB - ((onlyA - onlyB) ** 2) / n, 0) / (n * n);
  const noise = c.seedNoise;
  const seedVar = noise ? 2 * noise.sd ** 2 : 0;
  const variance = (k: number) => testVar + seedVar / k;
  const dfAt = (k: number) =>
    seedVar > 0 && noise ? Math.floor(variance(k) ** 2 / ((seedVar / k) ** 2 / noise.df)) : Infinity;
  const equivalence = c.test === "equivalent";
  const level = equivalence ? 0.95 : 0.975;
  const half = (k: number) => tQuantile(Math.max(1, dfAt(k)), level) * Math.sqrt(variance(k));
  const h = half(1);
  const m = c.margin ?? 0;
  // Signed so that positive supports the claim for "better" (b's error above a's).
  const shown = equivalence ? d : -d;
  const lo = shown - h;
  const hi = shown + h;
  let verdict: Exclude<Verdict, "not testable">;
  if (equivalence) {
    verdict = lo > -m && hi < m ? "reproduced" : lo > m || hi < -m ? "not reproduced" : "inconclusive";
  } else verdict = lo > 0 ? "reproduced" : hi < 0 ? "not reproduced" : "inconclusive";
  let power = "";
  if (verdict === "inconclusive") {
    const target = equivalence ? m : Math.abs(d);
    let k = 2;
    while (k <= 50 && !(half(k) < target)) k++;
    power = `; underpowered at one seed a net` +
      (k <= 50 && target > 0
        ? ` (about ${k} seeds a net would resolve ${equivalence ? "the margin" : "a difference this size"})`
        : "");
  }
  const diffLabel = equivalence
    ? `error(${c.a.label}) - error(${c.b.label})`
    : `error(${c.b.label}) - error(${c.a.label})`;
  const seedText = noise
    ? `seed sd ${pts(noise.sd, 100)} points from ${noise.from} (${noise.df} df)`
    : "no seed noise measured";
  return finish(
    c,
    "oneSeedPair",
    "empirical",
    verdict,
    `One seed a net, ${n} test images (${c.metric}): the ${
      equivalence ? "90" : "95"
    }% interval of ${diffLabel}, ` +
      `its variance the test sample's (paired outcomes) plus twice the seed variance of sibling variants; ` +
      (equivalence
        ? `inside +-${pts(m, 100)} points reproduced, entirely outside not reproduced, else inconclusive`
        : "above 0 reproduced, below 0 not reproduced, else inconclusive"),
    `${diffLabel} = ${pts(shown, 100)} [${pts(lo, 100)}, ${pts(hi, 100)}] points; ${seedText}${power}`,
    [
      ...(c.preconditions ?? []),
      {
        met: noise !== null,
        what: "a seed-to-seed spread measured on sibling variants trained at several seeds",
        measured: noise ? `sd ${pts(noise.sd, 100)} points, ${noise.df} df` : "none available",
      },
    ],
  );
}

/** Whether a claim about `regime` can be judged on nets that reached `stage`. */
export function inRegime(regime: ClaimRegime, stage: RunStage): boolean {
  if (regime === "init") return true;
  if (regime === "onset") return stage !== "untrained";
  return stage === "converged";
}

/** Stamps each claim with the stage of the run that judged it and whether that is the claim's regime. */
export function judgeRegime(claims: Claim[], stage: RunStage): Claim[] {
  return claims.map((c) => ({ ...c, judged: { stage, inRegime: inRegime(c.regime, stage) } }));
}

/** A claim judged outside its regime (an early-training proxy); a claim not yet judged counts as in regime. */
export function isProxy(c: Claim): boolean {
  return c.judged?.inRegime === false;
}

/** The verdict as a reader sees it: out of its regime it is labelled an early-training proxy. */
export function verdictLabel(c: Claim): string {
  return isProxy(c) ? `${c.verdict} (early-training proxy: needs ${CLAIM_REGIMES[c.regime]})` : c.verdict;
}

/**
 * Tallies of verdicts: analytic and empirical claims judged in their regime apart, and every claim judged outside
 * its regime in `proxy` (never counted as reproduced or not of the paper's claim); "not testable" on its own.
 */
export interface Tally {
  analytic: Record<Verdict, number>;
  empirical: Record<Verdict, number>;
  proxy: Record<Verdict, number>;
}

export function tally(claims: Claim[]): Tally {
  const zero = () => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const t: Tally = { analytic: zero(), empirical: zero(), proxy: zero() };
  for (const c of claims) t[isProxy(c) ? "proxy" : c.category ?? "empirical"][c.verdict]++;
  return t;
}
