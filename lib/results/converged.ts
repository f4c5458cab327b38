/**
 * The README's converged-results block: for each experiment of the long tier, how many of its shards are
 * published, the paper's numbers beside the long tier's and the default tier's (early training), and every
 * claim's verdict at both tiers with the regime it is about. Generated from the committed results, like the
 * results block.
 */
import { CLAIM_REGIMES, verdictLabel } from "./claims.ts";
import { cell, type ExperimentResult } from "./result.ts";

/** One published shard as the block lists it before its experiment's result is aggregated. */
export interface PublishedNet {
  variant: string;
  seed: number;
  epochs: number;
  converged: boolean;
  /** Test top-1 error, centre crop and (where measured) 10-view. */
  centre: number;
  ten: number | null;
  /** The last epoch's running training error (augmented crops) and validation error. */
  train: number;
  val: number;
}

export interface ConvergedEntry {
  id: string;
  /** Published shards of the long tier, and how many the tier has. */
  shards: { done: number; total: number };
  published: PublishedNet[];
  long: ExperimentResult | null;
  early: ExperimentResult | null;
}

export function convergedBlock(entries: ConvergedEntry[]): string[] {
  const lines: string[] = [];
  for (const e of entries) {
    lines.push(
      `**\`${e.id}\`**: ${e.shards.done} of ${e.shards.total} shards published (\`./rectifiers shards --tier ` +
        `long --only ${e.id}\`)${e.long ? "." : "; the long tier's result is aggregated once all are."}`,
      "",
    );
    if (!e.long) {
      if (e.published.length) lines.push(...publishedTable(e.published));
      continue;
    }
    const early = new Map((e.early?.comparison ?? []).map((c) => [c.metric, c.ours]));
    // One experiment's long tier may hold nets of two regimes (init-depth: Fig 3's short curves and the depth
    // claim's converged nets): its regime sentence says which, and each claim names the regime it is about.
    if (e.long.regime) lines.push(`Long tier: ${e.long.regime.text.replace(/:$/, ".")}`, "");
    lines.push(
      "| measure | paper | long tier | default tier (early training) |",
      "| --- | --- | --- | --- |",
      ...e.long.comparison.map((c) =>
        `| ${cell(c.metric)} | ${cell(c.paper)} | ${cell(c.ours)} | ${cell(early.get(c.metric) ?? "")} |`
      ),
      "",
    );
    const earlyClaims = new Map((e.early?.claims ?? []).map((c) => [c.id, verdictLabel(c)]));
    lines.push(
      "| claim | paper | about | long tier | default tier |",
      "| --- | --- | --- | --- | --- |",
      ...e.long.claims.map((c) =>
        `| ${cell(c.text)} | ${cell(c.paper)} | ${CLAIM_REGIMES[c.regime]} | **${cell(verdictLabel(c))}** | ${
          cell(earlyClaims.get(c.id) ?? "")
        } |`
      ),
      "",
    );
  }
  return lines;
}

const pct = (x: number) => (100 * x).toFixed(2);

/** The nets published so far, one row each: numbers, not verdicts (a claim waits for every seed). */
function publishedTable(nets: PublishedNet[]): string[] {
  return [
    "Published so far (single nets: no verdict until every shard is in):",
    "",
    "| net | seed | epochs | test top-1 % (centre) | test top-1 % (10-view) | last epoch: training / validation error % |",
    "| --- | --- | --- | --- | --- | --- |",
    ...nets.map((n) =>
      `| ${n.variant} | ${n.seed} | ${n.epochs}${n.converged ? " (converged)" : ""} | ${pct(n.centre)} | ${
        n.ten === null ? "—" : pct(n.ten)
      } | ${pct(n.train)} / ${pct(n.val)} |`
    ),
    "",
  ];
}
