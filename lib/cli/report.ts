/** `report` and the end of `reproduce`: a tier's REPORT.md from the paper experiments' results. */
import { listExperiments, type Tier } from "../experiments/registry.ts";
import { readResults } from "../results/expectations.ts";
import {
  formatMarkdown,
  replaceBlock,
  type ReportEntry,
  writeReadmeResults,
  writeReport,
} from "../results/report.ts";
import { convergedBlock, type ConvergedEntry, type PublishedNet } from "../results/converged.ts";
import { readPublished, shardDir, type ShardRecord } from "../experiments/shards.ts";
import { writeFileAtomic } from "../util/fs.ts";
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
  const project = (await realPath(out)) === (await realPath(`${PROJECT_ROOT}/results`));
  if (tier === "default" && project) {
    await writeReadmeResults(`${PROJECT_ROOT}/README.md`, "results/REPORT.md", entries, tier);
  }
  if ((tier === "default" || tier === "long") && project) await writeReadmeConverged(out);
  return path;
}

/** The README's converged block: the long tier's shards, numbers and verdicts beside the default tier's. */
async function writeReadmeConverged(out: string): Promise<void> {
  const withShards = listExperiments().filter((e) => e.tiers.includes("long") && e.shardNames);
  const ids = withShards.map((e) => e.id);
  const long = await readResults(out, "long", ids, () => {});
  const early = await readResults(out, "default", ids, () => {});
  const entries: ConvergedEntry[] = await Promise.all(withShards.map(async (e) => {
    const names = e.shardNames!({ tier: "long", seeds: null });
    const dir = shardDir(out, e.id, "long");
    const records = await Promise.all(names.map((n) => readPublished<NetErrors>(`${dir}/${n}.json`)));
    const published = records.flatMap((r) => (r ? [publishedNet(r)] : []));
    return {
      id: e.id,
      shards: { done: published.length, total: names.length },
      published,
      long: long.get(e.id) ?? null,
      early: early.get(e.id) ?? null,
    };
  }));
  const readme = `${PROJECT_ROOT}/README.md`;
  const doc = await Deno.readTextFile(readme);
  await writeFileAtomic(
    readme,
    await formatMarkdown(replaceBlock(doc, "converged", convergedBlock(entries))),
  );
}

/** What every experiment's shard measurements hold of test error (10-view where measured). */
type NetErrors = { centre?: { top1Err: number }; ten?: { top1Err: number } };

/** A published shard's row in the README's converged block. */
function publishedNet(r: ShardRecord<NetErrors>): PublishedNet {
  const last = r.training.epochs.at(-1);
  return {
    variant: r.variant,
    seed: r.seed,
    epochs: r.training.epochs.length,
    converged: r.training.converged,
    centre: r.measurements.centre?.top1Err ?? NaN,
    ten: r.measurements.ten?.top1Err ?? null,
    train: last?.trainTop1Err ?? NaN,
    val: last?.valTop1Err ?? NaN,
  };
}

async function realPath(p: string): Promise<string | null> {
  try {
    return await Deno.realPath(p);
  } catch {
    return null;
  }
}
