/**
 * The regression check on metrics: expected values per tier (results/expected/<tier>.json), made from a set of
 * results by `deno task check --accept`, and the comparison of new results against them.
 *
 * Each metric's tolerance comes from its spread over seeds: mean +- K standard deviations, never below the
 * metric's floor (Metric.floor; 10% of the mean when the experiment gives none). Claim verdicts must match
 * exactly.
 */
import { meanStd } from "./stats.ts";
import { writeJsonAtomic } from "../util/fs.ts";
import { type ExperimentResult, fmt, type Metric, parseResult, type Verdict } from "./result.ts";

/** Standard deviations of tolerance around the expected mean. */
export const K = 3;

export interface ExpectedMetric {
  mean: number;
  /** Standard deviation over seeds (0 with one value). */
  std: number;
  n: number;
  floor: number;
  tolerance: number;
  description: string;
}

export interface ExpectedExperiment {
  seeds: number[];
  dataset: string;
  metrics: Record<string, ExpectedMetric>;
  verdicts: Record<string, Verdict>;
}

export interface Expectations {
  schema: 1;
  tier: string;
  k: number;
  /** Where the expected values came from. */
  source: { commit: string | null; date: string; adapter: string };
  experiments: Record<string, ExpectedExperiment>;
}

export function expectationsPath(dir: string, tier: string): string {
  return `${dir}/expected/${tier}.json`;
}

export function expectedMetric(m: Metric): ExpectedMetric {
  const { mean, std } = meanStd(m.values);
  const floor = m.floor ?? Math.max(0.1 * Math.abs(mean), 1e-12);
  return {
    mean,
    std,
    n: m.values.length,
    floor,
    tolerance: Math.max(K * std, floor),
    description: m.description,
  };
}

export function makeExpectations(tier: string, results: ExperimentResult[]): Expectations {
  const first = results[0];
  return {
    schema: 1,
    tier,
    k: K,
    source: {
      commit: first?.environment.git?.commit ?? null,
      date: first?.environment.date ?? new Date().toISOString(),
      adapter: first?.environment.adapter.description ?? "unknown",
    },
    experiments: Object.fromEntries(results.map((r) => [r.experiment.id, {
      seeds: r.seeds,
      dataset: r.data.dataset,
      metrics: Object.fromEntries(Object.entries(r.metrics).map(([name, m]) => [name, expectedMetric(m)])),
      verdicts: Object.fromEntries(r.claims.map((c) => [c.id, c.verdict])),
    }])),
  };
}

export interface CheckRow {
  experiment: string;
  kind: "metric" | "verdict" | "result";
  name: string;
  ok: boolean;
  actual: string;
  expected: string;
}

/** Compares results with expectations; every expected experiment, metric and verdict must be present. */
export function compare(
  expected: Expectations,
  results: Map<string, ExperimentResult>,
  only?: string[],
): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const [id, exp] of Object.entries(expected.experiments)) {
    if (only && !only.includes(id)) continue;
    const r = results.get(id);
    if (!r) {
      rows.push({
        experiment: id,
        kind: "result",
        name: "result.json",
        ok: false,
        actual: "missing",
        expected: "present",
      });
      continue;
    }
    // Numbers from other data are not comparable (the Fashion-MNIST fallback where CIFAR-10 is missing): one
    // failure that names the cause, instead of a failure for every metric.
    if (r.data.dataset !== exp.dataset) {
      rows.push({
        experiment: id,
        kind: "result",
        name: "dataset",
        ok: false,
        actual: `${r.data.dataset} (expectations need ${exp.dataset}: pass --data-dir or run deno task data)`,
        expected: exp.dataset,
      });
      continue;
    }
    if (r.environment.fault) {
      rows.push({
        experiment: id,
        kind: "result",
        name: "fault",
        ok: false,
        actual: `made with RECTIFIERS_FAULT=${r.environment.fault}`,
        expected: "no fault",
      });
    }
    for (const [name, m] of Object.entries(exp.metrics)) {
      const values = r.metrics[name]?.values;
      if (!values?.length) {
        rows.push({
          experiment: id,
          kind: "metric",
          name,
          ok: false,
          actual: "missing",
          expected: fmt(m.mean),
        });
        continue;
      }
      const actual = meanStd(values).mean;
      rows.push({
        experiment: id,
        kind: "metric",
        name,
        ok: Math.abs(actual - m.mean) <= m.tolerance,
        actual: fmt(actual),
        expected: `${fmt(m.mean)} ± ${fmt(m.tolerance)}`,
      });
    }
    for (const [claim, verdict] of Object.entries(exp.verdicts)) {
      const got = r.claims.find((c) => c.id === claim)?.verdict;
      rows.push({
        experiment: id,
        kind: "verdict",
        name: claim,
        ok: got === verdict,
        actual: got ?? "missing",
        expected: verdict,
      });
    }
  }
  return rows;
}

/** A readable report: the failures with what was expected, then a count. */
export function formatCheck(rows: CheckRow[], where: string): string[] {
  const failed = rows.filter((r) => !r.ok);
  const lines = [`check: ${rows.length} expectations from ${where}`];
  let current = "";
  for (const r of failed) {
    if (r.experiment !== current) lines.push(`${r.experiment}:`);
    current = r.experiment;
    lines.push(
      `  FAIL ${r.kind.padEnd(7)} ${r.name.padEnd(40)} got ${r.actual.padEnd(16)} expected ${r.expected}`,
    );
  }
  const metrics = rows.filter((r) => r.kind === "metric").length;
  const verdicts = rows.filter((r) => r.kind === "verdict").length;
  lines.push(
    `check: ${metrics} metrics and ${verdicts} verdicts in ${
      new Set(rows.map((r) => r.experiment)).size
    } experiments: ${failed.length ? `${failed.length} FAILED` : "all within tolerance"}`,
  );
  return lines;
}

/** What --accept changes: metrics added, removed or moved outside the old tolerance, and verdict changes. */
export function describeChanges(before: Expectations | null, after: Expectations): string[] {
  if (!before) {
    return [`new expectations for tier ${after.tier}: ${Object.keys(after.experiments).join(", ")}`];
  }
  const lines: string[] = [];
  for (const [id, exp] of Object.entries(after.experiments)) {
    const old = before.experiments[id];
    if (!old) {
      lines.push(`${id}: new experiment (${Object.keys(exp.metrics).length} metrics)`);
      continue;
    }
    for (const [name, m] of Object.entries(exp.metrics)) {
      const o = old.metrics[name];
      if (!o) lines.push(`${id}: new metric ${name} = ${fmt(m.mean)} ± ${fmt(m.tolerance)}`);
      else if (Math.abs(m.mean - o.mean) > o.tolerance) {
        lines.push(
          `${id}: ${name} moved ${fmt(o.mean)} -> ${fmt(m.mean)} (old tolerance ${fmt(o.tolerance)})`,
        );
      }
    }
    for (const name of Object.keys(old.metrics)) {
      if (!exp.metrics[name]) lines.push(`${id}: metric ${name} removed`);
    }
    for (const [claim, v] of Object.entries(exp.verdicts)) {
      if (old.verdicts[claim] !== v) {
        lines.push(`${id}: verdict ${claim} ${old.verdicts[claim] ?? "(new)"} -> ${v}`);
      }
    }
  }
  for (const id of Object.keys(before.experiments)) {
    if (!after.experiments[id]) lines.push(`${id}: no longer expected`);
  }
  return lines.length ? lines : ["no change beyond the old tolerances"];
}

export async function readExpectations(path: string): Promise<Expectations | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  const e = JSON.parse(text) as Expectations;
  if (e.schema !== 1 || typeof e.experiments !== "object") {
    throw new Error(
      `${path} is not an expectations file (schema 1); rewrite it with deno task check --accept`,
    );
  }
  return e;
}

export async function writeExpectations(path: string, e: Expectations): Promise<void> {
  await writeJsonAtomic(path, e);
}

/** Reads results/<id>/<tier>/result.json for the given experiments (those present). */
export async function readResults(
  dir: string,
  tier: string,
  ids: string[],
  /** Called for a file that exists but cannot be read as a result; without it such a file is an error. */
  onBad?: (id: string, error: Error) => void,
): Promise<Map<string, ExperimentResult>> {
  const out = new Map<string, ExperimentResult>();
  for (const id of ids) {
    const path = `${dir}/${id}/${tier}/result.json`;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      const error = new Error(`${path} cannot be read: ${(e as Error).message}`);
      if (!onBad) throw error;
      onBad(id, error);
      continue;
    }
    try {
      out.set(id, parseResult(text, path));
    } catch (e) {
      if (!onBad) throw e;
      onBad(id, e as Error);
    }
  }
  return out;
}
