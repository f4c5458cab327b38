/**
 * Claims as data: the types every rule shares, how a rule's outcome becomes a stored claim (finish), and the
 * regime bookkeeping. The rules live in lib/results/rules/; lib/results/claims.ts gathers them.
 *
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
import type { Interval } from "./stats.ts";
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

/** What each kind of rule tests, for the report's legend (each claim's own thresholds are in its result.md). */
export const KIND_LEGEND: Record<ClaimKind, string> = {
  better:
    "95% paired t interval over seeds of the difference: above 0 reproduced, below 0 not, else inconclusive",
  equivalent:
    "two one-sided t tests (90% interval over seeds) against a margin: inside reproduced, outside not",
  noBetter: "95% t interval over seeds of how much better A is, against a margin",
  mcnemar: "exact McNemar test at 5% over the test images where exactly one of two nets is right",
  pairedEquivalent:
    "90% interval of two error rates on the same images (paired proportions) against a margin",
  oneSeedPair: "two nets at one seed each on the same images, the seed variance of sibling variants added",
  trend: "Spearman's rank correlation along the items against its 5% critical value",
  largest: "95% paired t intervals of one item minus each other item",
  bound: "95% t interval over seeds against a bound",
  signTest: "per item a 95% paired t interval; a binomial sign test at 5% over the items clearly on one side",
  stall: "a validation curve against chance's 3-sd band, over at least the paper's span for a stall",
  earlier: "first crossings of a threshold, at least two evaluation intervals apart",
  analytic:
    "an exact computation within a tolerance of the paper's value; beyond an outer band not reproduced",
  nearTarget:
    "90% t interval over random draws of a measured quantity against a band around its derived value",
};

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

export interface Base {
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

export const pts = (x: number, scale: number, digits = 2) => (scale * x).toFixed(digits);

export function interval(iv: Interval, scale: number, digits = 2): string {
  if (!Number.isFinite(iv.lo)) return `${pts(iv.mean, scale, digits)} (one seed: no interval)`;
  return `${pts(iv.mean, scale, digits)} [${pts(iv.lo, scale, digits)}, ${pts(iv.hi, scale, digits)}]`;
}

/**
 * The equivalence rule shared by every kind that tests "about equal" or "the derived value": an interval inside
 * +-m reproduced, entirely beyond it on either side not reproduced, else inconclusive.
 */
export function bandVerdict(lo: number, hi: number, m: number): Exclude<Verdict, "not testable"> {
  return lo > -m && hi < m ? "reproduced" : lo > m || hi < -m ? "not reproduced" : "inconclusive";
}

export function finish(
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
