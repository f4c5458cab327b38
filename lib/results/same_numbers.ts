/**
 * Whether two sets of results hold the same numbers: what a refactor must leave unchanged. Exact, not within
 * tolerance (that is the regression check's job): every metric's values, every claim's verdict, rule and
 * evidence, every comparison row, every run's final errors, steps and curve, each result's regime, seeds and
 * data. Run times, dates, commits and environments may differ.
 */
import type { ExperimentResult } from "./result.ts";

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** One line per difference between `before` and `after` (by experiment id); none when they hold the same numbers. */
export function numberDifferences(
  before: Map<string, ExperimentResult>,
  after: Map<string, ExperimentResult>,
): string[] {
  const out: string[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(id);
    const b = after.get(id);
    if (!a || !b) {
      out.push(`${id}: only ${a ? "before" : "after"} has a result`);
      continue;
    }
    for (const name of new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])) {
      if (!same(a.metrics[name]?.values, b.metrics[name]?.values)) {
        out.push(
          `${id}: metric ${name}: ${a.metrics[name]?.values ?? "none"} -> ${
            b.metrics[name]?.values ?? "none"
          }`,
        );
      }
    }
    const claims = (r: ExperimentResult) =>
      new Map(r.claims.map((c) => [c.id, { verdict: c.verdict, rule: c.rule, evidence: c.evidence }]));
    const [ca, cb] = [claims(a), claims(b)];
    for (const claim of new Set([...ca.keys(), ...cb.keys()])) {
      if (!same(ca.get(claim), cb.get(claim))) {
        out.push(
          `${id}: claim ${claim}: ${ca.get(claim)?.verdict ?? "none"} -> ${cb.get(claim)?.verdict ?? "none"}`,
        );
      }
    }
    // A run's numbers without its timings (seconds, images per second), which a re-run changes.
    const runs = (r: ExperimentResult) =>
      r.runs.map(({ seconds: _, epochs, points, ...rest }) => ({
        ...rest,
        epochs: epochs.map(({ seconds: _s, imagesPerSecond: _i, ...e }) => e),
        points: points.map(({ trainSeconds: _t, ...p }) => p),
      }));
    const fields: [string, (r: ExperimentResult) => unknown][] = [
      ["comparison", (r) => r.comparison],
      ["runs", runs],
      ["regime", (r) => r.regime],
      ["seeds", (r) => r.seeds],
      ["data", (r) => r.data],
      ["differences", (r) => r.differences],
    ];
    for (const [what, pick] of fields) if (!same(pick(a), pick(b))) out.push(`${id}: ${what} differ`);
  }
  return out;
}
