/**
 * The result record of one experiment at one tier: results/<id>/<tier>/result.json, with result.md (the paper's
 * numbers and ours side by side, the claim verdicts, the plots, how the run differs from the paper) generated
 * from it, and SVG plots beside them. All writes are atomic.
 */
import type { EpochRecord, EvalPoint } from "../train/trainer.ts";
import type { Environment } from "../util/environment.ts";
import { writeFileAtomic, writeJsonAtomic } from "../util/fs.ts";
import { meanStd } from "./stats.ts";
import { type LeftChance, leftChanceText } from "./plateau.ts";
export { countedNets, type LeftChance, leftChanceText, withinTenth } from "./plateau.ts";

import { type Claim, CLAIM_REGIMES, judgeRegime, type RunStage, verdictLabel } from "./claims.ts";
export type { Claim, Verdict } from "./claims.ts";

export interface Comparison {
  metric: string;
  paper: number | string | null;
  ours: number | string | null;
  /** Table or figure of the paper (digest section). */
  source: string;
  note?: string;
}

export interface RunRecord {
  label: string;
  seed: number;
  /** SGD steps of the run. */
  steps: number;
  epochs: EpochRecord[];
  points: EvalPoint[];
  final: Record<string, number>;
  seconds: number;
  /** Images per forward/backward pass, when each batch was split into micro-batches (gradients accumulated). */
  microBatch?: number;
  extra?: Record<string, unknown>;
}

/** A scalar the regression check follows (`deno task check`). */
export interface Metric {
  /** One value per seed, or a single value for a measurement without seeds. */
  values: number[];
  /** What it measures, with its unit. */
  description: string;
  /**
   * The smallest tolerance `deno task check` allows around the expected mean, in the metric's unit (the
   * tolerance is otherwise k standard deviations over seeds); 10% of the mean when not given.
   */
  floor?: number;
}

/**
 * How far the trained nets got: SGD steps and epochs against the paper's, and the final error against chance and
 * the paper's, so a reader can tell which regime a number comes from.
 */
export interface Regime {
  steps: number;
  epochs: number;
  paperSteps: number;
  paperEpochs: number;
  /** Mean final top-1 error of the experiment's nets (fraction) on the test set. */
  finalErr: number;
  chance: number;
  /** The paper's comparable final error (fraction), when there is one. */
  paperErr: number | null;
  /** One sentence: e.g. "early training: 0.4 of the paper's 75 epochs ...". */
  text: string;
  /**
   * How far the nets trained: "early" (stopped before convergence, as every fixed-budget tier does) or
   * "converged" (every net met the tier's convergence criterion, which `text` states). Claims about converged
   * nets are judged in their regime only on a converged run.
   */
  stage: "early" | "converged";
  /**
   * Per net, the share of its run after which it left the chance plateau: its first of two validation points in
   * a row at least 5 points below chance (null: never, at the points validated). `measured` marks a net whose
   * time on the plateau is what the experiment's claims measure (Fig 3's curves): it is reported, not counted
   * against the tier.
   */
  leftChance?: LeftChance[];
}

export interface ExperimentResult {
  schema: 2;
  experiment: { id: string; title: string; paperRef: string };
  tier: string;
  data: {
    dataset: string;
    source: string;
    train: number;
    /** Images held out from the training set for choices made from data (schedules, ensemble members). */
    val: number;
    test: number;
    classes: number;
    /** A content fingerprint of the data (SHA-256 over the splits' pixels and labels, first 16 hex). */
    fingerprint: string;
    note?: string;
    /** How the pixels were read: decoded into memory at a size, or streamed from the files. */
    input?: { kind: "memory"; size: number } | {
      kind: "streamed";
      decoder: string;
      threads: number;
      statsImages: number;
    };
    /** Files skipped while listing an image folder (not images), with how many. */
    skipped?: string;
  };
  /** Null for experiments that train nothing (exact computations). */
  regime: Regime | null;
  seeds: number[];
  /** Command-line overrides that make this a pipeline check, not a measurement of its tier (--max-steps ...). */
  overrides?: string;
  config: Record<string, unknown>;
  environment: Environment;
  wallSeconds: number;
  runs: RunRecord[];
  /** Named scalars for the regression check, with their spread over seeds. */
  metrics: Record<string, Metric>;
  comparison: Comparison[];
  claims: Claim[];
  /** Every way this run differs from the paper (scale, data, details the paper leaves unstated). */
  differences: string[];
  plots: { file: string; caption: string }[];
  notes: string[];
}

export function resultDir(outDir: string, id: string, tier: string): string {
  return `${outDir}/${id}/${tier}`;
}

/** Throws a readable error when a parsed result.json lacks what the report and the check rely on. */
export function validateResult(value: unknown, where = "result.json"): ExperimentResult {
  const r = value as ExperimentResult;
  const problems: string[] = [];
  const need = (cond: boolean, what: string) => cond || problems.push(what);
  need(r?.schema === 2, "schema must be 2");
  need(typeof r?.experiment?.id === "string", "experiment.id");
  need(typeof r?.experiment?.paperRef === "string", "experiment.paperRef");
  need(typeof r?.tier === "string", "tier");
  need(typeof r?.data?.dataset === "string", "data.dataset");
  need(Array.isArray(r?.seeds), "seeds");
  need(typeof r?.environment?.deno === "string", "environment.deno");
  need(r?.environment?.adapter !== undefined, "environment.adapter");
  need(Array.isArray(r?.runs), "runs");
  need(Array.isArray(r?.comparison), "comparison");
  need(
    Array.isArray(r?.claims) &&
      r.claims.every((c) =>
        ["reproduced", "not reproduced", "inconclusive", "not testable"].includes(c.verdict) && !!c.rule &&
        ["analytic", "empirical"].includes(c.category) && c.regime in CLAIM_REGIMES
      ),
    "claims (each with a verdict, a rule, a category and a regime)",
  );
  need(Array.isArray(r?.differences), "differences");
  need(
    r?.regime === null || ["early", "converged"].includes(r?.regime?.stage),
    "regime (null, or with a stage)",
  );
  const badMetrics = typeof r?.metrics === "object" && r.metrics !== null
    ? Object.entries(r.metrics).filter(([, m]) =>
      !(Array.isArray(m?.values) && m.values.length > 0 && m.values.every((v) => Number.isFinite(v)))
    ).map(([name, m]) => `${name} = ${JSON.stringify(m?.values)}`)
    : ["none"];
  need(
    badMetrics.length === 0,
    `metrics (each with at least one value, all finite numbers; not so: ${badMetrics.join(", ")})`,
  );
  if (problems.length) throw new Error(`${where} is not a valid result: ${problems.join("; ")}`);
  return r;
}

/**
 * Parses a result.json's text, naming the file in every error (empty, truncated or not JSON, or not a valid
 * result) with the fix.
 */
export function parseResult(text: string, path: string): ExperimentResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${path} is ${text.trim() === "" ? "empty" : `not valid JSON (${(e as Error).message})`}: rerun its ` +
        "experiment, or restore the file (git checkout -- <file> for a committed result)",
    );
  }
  return validateResult(value, path);
}

export function fmt(v: number | string | null): string {
  if (v === null) return "—";
  if (typeof v === "string") return v;
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : Math.abs(v) >= 1 ? 2 : 4);
}

/** A markdown table cell: pipes escaped, line breaks flattened. */
export function cell(v: number | string | null): string {
  return fmt(v).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function adapterText(r: ExperimentResult): string {
  const a = r.environment.adapter;
  return a.description + ("fallback" in a && a.fallback ? " (software)" : "");
}

export function commitText(r: ExperimentResult): string {
  const git = r.environment.git;
  return git ? git.commit.slice(0, 12) + (git.dirty ? " (with uncommitted changes)" : "") : "unknown";
}

export function dataText(r: ExperimentResult): string {
  if (r.data.train === 0 && r.data.test === 0) return r.data.source;
  const input = r.data.input;
  const how = !input
    ? ""
    : input.kind === "memory"
    ? `, decoded in memory at ${input.size}x${input.size}`
    : `, streamed from the files (${input.decoder}, ${input.threads} decode threads)`;
  return `${r.data.dataset}: ${r.data.train} train / ${r.data.val} validation (held out of train) / ${r.data.test} ` +
    `test images, ${r.data.classes} classes, fingerprint ${r.data.fingerprint} (${r.data.source}${how})${
      r.data.note ? `. **${r.data.note}**` : ""
    }${r.data.skipped ? `; ${r.data.skipped}` : ""}`;
}

/** The run's record: data, seeds, adapter, Deno, commit, time, date (and an injected fault, if any). */
export function runTable(r: ExperimentResult): string[] {
  const env = r.environment;
  return [
    "| run | |",
    "| --- | --- |",
    `| tier | ${r.tier} |`,
    ...(r.overrides
      ? [`| **pipeline check** | **${r.overrides}**: checks the pipeline, not a measurement of this tier |`]
      : []),
    `| data | ${cell(dataText(r))} |`,
    `| seeds | ${r.seeds.length ? r.seeds.join(", ") : "none (exact computation)"} |`,
    `| adapter | ${cell(adapterText(r))} |`,
    `| Deno | ${env.deno} on ${env.os}, ${env.cpus} CPUs |`,
    `| commit | ${commitText(r)} |`,
    `| wall time | ${(r.wallSeconds / 60).toFixed(1)} min |`,
    `| date | ${env.date} |`,
    ...(env.fault
      ? [`| **fault injected** | **${env.fault}** (a regression-check test, not a real result) |`]
      : []),
  ];
}

export function comparisonTable(r: ExperimentResult): string[] {
  return [
    "| metric | paper | ours | source | note |",
    "| --- | --- | --- | --- | --- |",
    ...r.comparison.map((c) =>
      `| ${cell(c.metric)} | ${cell(c.paper)} | ${cell(c.ours)} | ${cell(c.source)} | ${cell(c.note ?? "")} |`
    ),
  ];
}

/** The stage a result's nets reached: untrained when it trains nothing. */
export function runStage(r: Pick<ExperimentResult, "regime">): RunStage {
  return r.regime ? r.regime.stage : "untrained";
}

/**
 * The claims with their verdicts: with each claim's full rule (result.md), or, `ruleKind`, only the kind of
 * rule, which the report explains once in its legend.
 */
export function claimsTable(r: ExperimentResult, ruleKind = false): string[] {
  return [
    `| claim | paper | regime | verdict | evidence | ${ruleKind ? "rule kind" : "rule"} |`,
    "| --- | --- | --- | --- | --- | --- |",
    ...r.claims.map((c) =>
      `| ${cell(c.text)} (${c.category}) | ${cell(c.paper)} | ${CLAIM_REGIMES[c.regime]} | **${
        cell(verdictLabel(c))
      }**${c.notTestable ? `: ${cell(c.notTestable)}` : ""} | ${cell(c.evidence)} | ${
        ruleKind ? `\`${c.kind}\`` : cell(c.rule)
      } |`
    ),
  ];
}

export function regimeText(g: Regime): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const stage = g.stage === "converged"
    ? "Converged (claims about converged nets are judged in their regime)."
    : "Early training: claims about converged nets are early-training proxies here.";
  return `${stage} ${g.text} ${g.steps} SGD steps (${g.epochs.toFixed(2)} epochs) against the paper's ${
    g.paperSteps.toLocaleString("en-US")
  } (${g.paperEpochs} epochs); final top-1 error ${pct(g.finalErr)} against chance ${pct(g.chance)}${
    g.paperErr === null ? "" : ` and the paper's ${pct(g.paperErr)}`
  }.${g.leftChance?.length ? ` ${leftChanceText(g.leftChance, g.steps)}` : ""}`;
}

export function renderMarkdown(r: ExperimentResult): string {
  const lines = [
    `# ${r.experiment.title}`,
    "",
    `Paper: ${r.experiment.paperRef} · experiment \`${r.experiment.id}\` · tier \`${r.tier}\``,
    "",
    ...runTable(r),
    "",
  ];
  if (r.regime) lines.push("## Regime", "", regimeText(r.regime), "");
  if (r.comparison.length) lines.push("## Paper and ours", "", ...comparisonTable(r), "");
  if (r.claims.length) lines.push("## Claims", "", ...claimsTable(r), "");
  if (r.runs.some((run) => run.epochs.length)) {
    lines.push(
      "## Runs",
      "",
      "| run | seed | epochs | final train loss | final train top-1 err | final val top-1 err | final val top-5 err | time |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    const pct = (x: number | undefined) => (x === undefined ? "—" : `${(100 * x).toFixed(2)}%`);
    for (const run of r.runs) {
      const last = run.epochs.at(-1);
      lines.push(
        `| ${run.label} | ${run.seed} | ${last ? last.epoch.toFixed(2) : 0} | ${
          last ? last.trainLoss.toFixed(4) : "—"
        } | ${pct(last?.trainTop1Err)} | ${pct(last?.valTop1Err)} | ${pct(last?.valTop5Err)} | ` +
          `${(run.seconds / 60).toFixed(1)} min |`,
      );
    }
    lines.push("");
  }
  const metricNames = Object.keys(r.metrics);
  if (metricNames.length) {
    lines.push(
      "## Metrics followed by `deno task check`",
      "",
      "| metric | mean | std over seeds | values | what |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const name of metricNames) {
      const m = r.metrics[name];
      const { mean, std } = meanStd(m.values);
      lines.push(
        `| \`${name}\` | ${fmt(mean)} | ${m.values.length > 1 ? fmt(std) : "—"} | ${
          m.values.map(fmt).join(", ")
        } | ${cell(m.description)} |`,
      );
    }
    lines.push("");
  }
  if (r.plots.length) {
    lines.push("## Plots", "");
    for (const p of r.plots) lines.push(`![${p.caption}](${p.file})`, "", `*${p.caption}*`, "");
  }
  lines.push("## How this run differs from the paper", "");
  for (const d of r.differences) lines.push(`- ${d}`);
  if (r.notes.length) {
    lines.push("", "## Notes", "");
    for (const n of r.notes) lines.push(`- ${n}`);
  }
  lines.push(
    "",
    "<!-- generated from result.json by `deno task report`; edit the experiment, not this file -->",
    "",
  );
  return lines.join("\n");
}

/** Writes result.json, the plots and result.md into results/<id>/<tier>/ (each file atomically). */
export async function writeResult(
  outDir: string,
  result: ExperimentResult,
  plots: { file: string; svg: string }[] = [],
): Promise<string> {
  validateResult(result);
  result = { ...result, claims: judgeRegime(result.claims, runStage(result)) };
  if (result.overrides && result.regime && !result.regime.text.startsWith("PIPELINE CHECK")) {
    result = {
      ...result,
      regime: {
        ...result.regime,
        text: `PIPELINE CHECK (${result.overrides}), not a measurement. ${result.regime.text}`,
      },
    };
  }
  const dir = resultDir(outDir, result.experiment.id, result.tier);
  for (const p of plots) await writeFileAtomic(`${dir}/${p.file}`, p.svg);
  await writeJsonAtomic(`${dir}/result.json`, result);
  await writeFileAtomic(`${dir}/result.md`, renderMarkdown(result));
  return dir;
}

/** Rebuilds every result.md under `outDir` from its result.json; returns the files rewritten. */
export async function rebuildMarkdown(outDir: string): Promise<string[]> {
  const written: string[] = [];
  for await (const exp of Deno.readDir(outDir)) {
    if (!exp.isDirectory) continue;
    for await (const tier of Deno.readDir(`${outDir}/${exp.name}`)) {
      const json = `${outDir}/${exp.name}/${tier.name}/result.json`;
      let text: string;
      try {
        text = await Deno.readTextFile(json);
      } catch {
        continue;
      }
      const result = parseResult(text, json);
      await writeFileAtomic(`${outDir}/${exp.name}/${tier.name}/result.md`, renderMarkdown(result));
      written.push(`${outDir}/${exp.name}/${tier.name}/result.md`);
    }
  }
  return written;
}
