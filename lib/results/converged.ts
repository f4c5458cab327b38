/**
 * The README's converged-results block: for each experiment of the long tier, how many of its shards are
 * published, the paper's numbers beside the long tier's (converged) and the default tier's (early training),
 * and every claim's verdict at both tiers. Generated from the committed results, like the results block.
 */
import { verdictLabel } from "./claims.ts";
import { cell, type ExperimentResult } from "./result.ts";

export interface ConvergedEntry {
  id: string;
  /** Published shards of the long tier, and how many the tier has. */
  shards: { done: number; total: number };
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
    if (!e.long) continue;
    const early = new Map((e.early?.comparison ?? []).map((c) => [c.metric, c.ours]));
    lines.push(
      "| measure | paper | long tier (converged) | default tier (early training) |",
      "| --- | --- | --- | --- |",
      ...e.long.comparison.map((c) =>
        `| ${cell(c.metric)} | ${cell(c.paper)} | ${cell(c.ours)} | ${cell(early.get(c.metric) ?? "")} |`
      ),
      "",
    );
    const earlyClaims = new Map((e.early?.claims ?? []).map((c) => [c.id, verdictLabel(c)]));
    lines.push(
      "| claim | paper | long tier | default tier |",
      "| --- | --- | --- | --- |",
      ...e.long.claims.map((c) =>
        `| ${cell(c.text)} | ${cell(c.paper)} | **${cell(verdictLabel(c))}** | ${
          cell(earlyClaims.get(c.id) ?? "")
        } |`
      ),
      "",
    );
  }
  return lines;
}
