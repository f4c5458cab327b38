/** `report` and the end of `reproduce`: a tier's REPORT.md from the paper experiments' results. */
import { listExperiments, type Tier } from "../experiments/registry.ts";
import { readResults } from "../results/expectations.ts";
import { type ReportEntry, writeReadmeResults, writeReport } from "../results/report.ts";
import { PROJECT_ROOT } from "../util/paths.ts";

/** Writes <out>/REPORT.md (REPORT-<tier>.md) from the paper experiments' results; the README follows results/. */
export async function writeTierReport(out: string, tier: Tier): Promise<string> {
  const entries: ReportEntry[] = [];
  const paper = listExperiments().filter((e) => !e.demo);
  // One damaged file is named in the report and on the console; the others are reported as usual.
  const unreadable = new Map<string, string>();
  const results = await readResults(out, tier, paper.map((e) => e.id), (id, error) => {
    console.error(`report: skipping ${id}: ${error.message}`);
    unreadable.set(id, error.message);
  });
  for (const e of paper) {
    entries.push({
      id: e.id,
      title: e.title,
      paperRef: e.paperRef,
      result: results.get(e.id) ?? null,
      ...(unreadable.has(e.id) ? { unreadable: unreadable.get(e.id) } : {}),
    });
  }
  const path = await writeReport(out, tier, entries);
  if (tier === "default" && (await realPath(out)) === (await realPath(`${PROJECT_ROOT}/results`))) {
    await writeReadmeResults(`${PROJECT_ROOT}/README.md`, "results/REPORT.md", entries, tier);
  }
  return path;
}

async function realPath(p: string): Promise<string | null> {
  try {
    return await Deno.realPath(p);
  } catch {
    return null;
  }
}
