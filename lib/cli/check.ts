/** `check`: the regression check on metrics from the command line (lib/results/expectations.ts does the work). */
import type { Tier } from "../experiments/registry.ts";
import {
  compare,
  describeChanges,
  expectationsPath,
  formatCheck,
  makeExpectations,
  readExpectations,
  readResults,
  writeExpectations,
} from "../results/expectations.ts";
import { numberDifferences } from "../results/same_numbers.ts";
import type { ProgressMode } from "../train/progress.ts";
import { PROJECT_ROOT } from "../util/paths.ts";
import { runExperiments, selectExperiments } from "./run.ts";
import { PUBLISHED_TIERS, shardDir } from "../experiments/shards.ts";

/**
 * Links each experiment's committed shard folder into a scratch results folder, so a run there reads them, and
 * the PyTorch twin's long runs, which the small-model aggregate reads beside them.
 */
async function linkPublishedShards(dir: string, tier: Tier, ids: string[]): Promise<void> {
  await Deno.mkdir(`${dir}/bench`, { recursive: true });
  await Deno.symlink(`${PROJECT_ROOT}/results/bench/twin_long.json`, `${dir}/bench/twin_long.json`);
  for (const id of ids) {
    const committed = shardDir(`${PROJECT_ROOT}/results`, id, tier);
    const linked = shardDir(dir, id, tier);
    await Deno.mkdir(linked.slice(0, linked.lastIndexOf("/")), { recursive: true });
    await Deno.symlink(committed, linked); // dangling where none is committed: every shard then counts missing
  }
}

export interface CheckOptions {
  tier: Tier;
  dataDir?: string;
  results?: string;
  only?: string;
  accept?: boolean;
  expected?: string;
  /** Instead of the expectations: another folder of results whose numbers must be exactly these (a refactor). */
  sameAs?: string;
  progress: ProgressMode;
}

/** `check`: runs (or reads) the tier's results and compares them with the expectations, or accepts them. */
export async function runCheck(opts: CheckOptions): Promise<boolean> {
  const expectedPath = opts.expected ?? expectationsPath(`${PROJECT_ROOT}/results`, opts.tier);
  const selected = selectExperiments(opts.tier, opts.only);
  let dir = opts.results;
  // A published tier is aggregated again from its committed shards, which must still be this engine's numbers.
  const fromShards = !dir && PUBLISHED_TIERS.includes(opts.tier);
  let failed: string[] = [];
  if (!dir) {
    dir = await Deno.makeTempDir({ prefix: `rectifiers-check-${opts.tier}-` });
    // Every experiment's shards, not only --only's: init-depth's depth claim reads small-model's ReLU nets.
    if (fromShards) await linkPublishedShards(dir, opts.tier, selectExperiments(opts.tier).map((e) => e.id));
    console.log(
      `check: ${fromShards ? "aggregating" : "running"} ${
        selected.map((e) => e.id).join(", ")
      } at tier ${opts.tier} into ${dir}${fromShards ? ` from the shards in ${PROJECT_ROOT}/results` : ""}`,
    );
    failed = await runExperiments(selected, {
      tier: opts.tier,
      out: dir,
      dataDir: opts.dataDir,
      progress: opts.progress,
      publishedOnly: fromShards,
    });
    if (failed.length) console.error(`check: ${failed.join(", ")} failed to run`);
  }
  const results = await readResults(dir, opts.tier, selected.map((e) => e.id));
  const checks = [...results.values()].filter((r) => r.overrides);
  if (checks.length) {
    throw new Error(
      `check: ${
        checks.map((r) => `${r.experiment.id} (${r.overrides})`).join(", ")
      } in ${dir} are pipeline ` +
        "checks, not measurements of the tier: rerun them without --max-steps, --batch or --eval-images",
    );
  }
  if (opts.sameAs) {
    const ids = selected.map((e) => e.id).filter((id) => results.has(id));
    const before = await readResults(opts.sameAs, opts.tier, ids);
    const differences = numberDifferences(before, results);
    for (const line of differences) console.log(`differs: ${line}`);
    console.log(
      differences.length
        ? `check --same-as: ${differences.length} difference(s) between ${opts.sameAs} and ${dir}`
        : `check --same-as: ${
          ids.join(", ")
        }: every metric, verdict, evidence, comparison row, run, regime, ` +
          `seed list, data and difference the same in ${opts.sameAs} and ${dir}`,
    );
    return differences.length === 0;
  }
  const old = await readExpectations(expectedPath);
  if (fromShards && !old && !opts.accept) {
    // Until every shard is in there is nothing to compare; the published ones were still verified above.
    console.log(
      `check: no expectations for tier ${opts.tier} yet (${expectedPath}); every published shard ` +
        `${failed.length ? "was NOT" : "was"} read back as this engine's numbers`,
    );
    return failed.length === 0;
  }
  if (opts.accept) {
    const missing = selected.filter((e) => !results.has(e.id)).map((e) => e.id);
    if (missing.length) throw new Error(`check --accept: no results for ${missing.join(", ")} in ${dir}`);
    const faulty = [...results.values()].filter((r) => r.environment.fault);
    if (faulty.length) {
      throw new Error(`check --accept: results made with an injected fault cannot be accepted`);
    }
    const fresh = makeExpectations(opts.tier, [...results.values()]);
    // Accepting a subset keeps the other experiments' expectations.
    const merged = old && opts.only
      ? { ...fresh, experiments: { ...old.experiments, ...fresh.experiments } }
      : fresh;
    for (const line of describeChanges(old, merged)) console.log(`accept: ${line}`);
    await writeExpectations(expectedPath, merged);
    console.log(`accept: wrote ${expectedPath}`);
    return true;
  }
  if (!old) {
    throw new Error(
      `no expectations at ${expectedPath}: record them with deno task check --tier ${opts.tier} --accept`,
    );
  }
  const only = opts.only ? selected.map((e) => e.id) : undefined;
  const rows = compare(old, results, only);
  for (const line of formatCheck(rows, expectedPath)) console.log(line);
  return rows.every((r) => r.ok);
}
