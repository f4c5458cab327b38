/**
 * The chance plateau, in one place: the margin below chance that counts as off it, when a net left it (the
 * regime's rule: two validation points in a row; the plateau benches' first-point rule, kept for their committed
 * rows), whether that was within the first tenth of a run, and how the regime and the report say so.
 */

/**
 * How far below chance (as a fraction) a validation error must be for a net to count as having left the chance
 * plateau: one margin for the regime's plateau share, the plateau bench, Fig 3's crossings and the stall claims.
 */
export const OFF_CHANCE = 0.05;

export interface LeftChance {
  label: string;
  share: number | null;
  measured?: boolean;
}

/** First validated step at least OFF_CHANCE below chance; null when there is none (the plateau benches' rule). */
export function firstOffChanceStep(
  points: { step: number; valTop1Err: number }[],
  chance: number,
): number | null {
  return points.find((p) => p.valTop1Err <= chance - OFF_CHANCE)?.step ?? null;
}

/**
 * The step at which a net left the chance plateau: the first validation point at least OFF_CHANCE below chance
 * whose next point is too (or that ends the run); null when there is none. A net that dips below the line once
 * and swings straight back has not left.
 */
export function leftChanceStep(
  points: { step: number; valTop1Err: number }[],
  chance: number,
): number | null {
  const off = (i: number) => points[i].valTop1Err <= chance - OFF_CHANCE;
  const i = points.findIndex((_, i) => off(i) && (i + 1 === points.length || off(i + 1)));
  return i < 0 ? null : points[i].step;
}

/** Share of its run after which a net left the chance plateau (leftChanceStep); null when it never did. */
export function leftChanceShare(
  run: { steps: number; points: { step: number; valTop1Err: number }[] },
  chance: number,
): number | null {
  const at = leftChanceStep(run.points, chance);
  return at === null || run.steps === 0 ? null : at / run.steps;
}

/**
 * Whether a net left chance within the first tenth of a run of `steps`: by the validation point placed there
 * (at step round(steps / 10), as the trainer places its points), so 19 of 186 steps counts.
 */
export function withinTenth(share: number | null, steps: number): boolean {
  return share !== null && share * steps <= Math.round(steps / 10) + 1e-6;
}

/** The nets that count for the plateau criterion: all but those whose plateau a claim measures. */
export function countedNets(left: LeftChance[]): LeftChance[] {
  return left.filter((l) => !l.measured);
}

/**
 * "All 12 nets left chance ... by 0.10 of their run" or which were later, and which never; nets whose
 * plateau a claim measures are listed apart with their shares.
 */
export function leftChanceText(left: LeftChance[], steps: number): string {
  const counted = countedNets(left);
  const never = counted.filter((l) => l.share === null).map((l) => l.label);
  const shares = counted.flatMap((l) => (l.share === null ? [] : [l.share]));
  const late = counted.filter((l) => l.share !== null && !withinTenth(l.share, steps));
  const parts = [];
  if (shares.length) {
    const rule = "(two validation points in a row at least 5 points below it)";
    const latest = Math.max(...shares).toFixed(2);
    if (counted.length === 1) {
      parts.push(`The one net counted left chance ${rule} at ${latest} of its run`);
    } else {
      const count = shares.length === counted.length
        ? counted.length === 2 ? "Both" : `All ${counted.length}`
        : `${shares.length} of ${counted.length}`;
      parts.push(`${count} nets left chance ${rule} by ${latest} of their run at the latest`);
    }
  }
  if (late.length) {
    parts.push(`later than a tenth: ${late.map((l) => `${l.label} (${l.share!.toFixed(2)})`).join(", ")}`);
  }
  if (never.length) parts.push(`never: ${never.join(", ")}`);
  const measured = left.filter((l) => l.measured);
  if (measured.length) {
    parts.push(
      `not counted, as their time on the plateau is what the claims measure: ${
        measured.map((l) => `${l.label} (${l.share === null ? "never" : l.share.toFixed(2)})`).join(", ")
      }`,
    );
  }
  return `${parts.join("; ")}.`;
}

/** "11 of 12 nets off the chance plateau within a tenth of their run", and how many a claim measures instead. */
export function plateauCount(left: LeftChance[], steps: number): string {
  const counted = countedNets(left);
  const measured = left.length - counted.length;
  const within = counted.filter((l) => withinTenth(l.share, steps)).length;
  const whose = counted.length === 1
    ? "net off the chance plateau within a tenth of its run"
    : "nets off the chance plateau within a tenth of their run";
  return `${within} of ${counted.length} ${whose}${
    measured ? ` (${measured} more whose plateau the claims measure)` : ""
  }`;
}
