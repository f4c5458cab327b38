/**
 * Claim rules on curves and orderings: trends along items, stalls at chance, and which curve leaves a
 * threshold first.
 */
import { type Base, type Claim, finish, type Precondition, pts } from "../claim_core.ts";
import { firstCrossing, OFF_CHANCE, spearman, spearmanCritical } from "../stats.ts";

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
