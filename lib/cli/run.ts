/**
 * Running experiments from the command line: the options every run takes, the run context built from them,
 * Ctrl-C wiring, and running a list of experiments one after another (reproduce and check share it).
 */
import {
  type Experiment,
  getExperiment,
  listExperiments,
  type RunContext,
  type Tier,
} from "../experiments/registry.ts";
import { InterruptedError } from "../experiments/common.ts";
import type { ProgressMode } from "../train/progress.ts";
import { DATASET_NAMES, type DatasetName } from "../data/catalog.ts";
import { releaseHeldClaims } from "../util/lock.ts";

export interface RunOptions {
  tier: Tier;
  seeds?: number[];
  data?: string;
  dataDir?: string;
  out: string;
  resume?: boolean;
  retrain?: boolean;
  /** A damaged stored model or checkpoint: stop with its path (default), or train it again. */
  onCorrupt?: "stop" | "retrain";
  progress: ProgressMode;
  maxSteps?: number;
  batch?: number;
  evalImages?: number;
  microBatch?: number;
  shard?: string;
  /** Read the published shards only, never train (RunContext.publishedOnly). */
  publishedOnly?: boolean;
}

/**
 * Checks, before any work, what would otherwise fail only after hours of training: --data-dir must be a folder,
 * and --out must be a folder this process can write (it is made if missing, and a probe file written and
 * removed).
 */
export async function prepareRun(opts: Pick<RunOptions, "dataDir" | "out" | "data">): Promise<void> {
  if (opts.data !== undefined && !DATASET_NAMES.includes(opts.data as DatasetName)) {
    let isDir = false;
    try {
      isDir = (await Deno.stat(opts.data)).isDirectory;
    } catch { /* missing */ }
    if (!isDir) {
      throw new Error(
        `--data ${opts.data} is neither a dataset name (${
          DATASET_NAMES.join(", ")
        }) nor a folder: pass a name ` +
          "or an ImageNet-style folder with train/<class>/*.jpg and val/<class>/*.jpg",
      );
    }
  }
  if (opts.dataDir !== undefined) {
    let isDir = false;
    try {
      isDir = (await Deno.stat(opts.dataDir)).isDirectory;
    } catch { /* missing */ }
    if (!isDir) {
      throw new Error(
        `--data-dir ${opts.dataDir} does not exist or is not a folder: pass the folder that holds the dataset`,
      );
    }
  }
  const probe = `${opts.out}/.write-probe-${Deno.pid}`;
  try {
    await Deno.mkdir(opts.out, { recursive: true });
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (e) {
    throw new Error(
      `--out ${opts.out} cannot be written (${
        (e as Error).message
      }): pick a folder you can write, or fix its ` +
        "permissions, before any training starts",
    );
  }
}

/**
 * A Ctrl-C within this long of the first is the same keypress delivered twice: a terminal signals the whole
 * process group, and `deno task` forwards the signal to its child as well.
 */
export const REPEAT_WINDOW_MS = 1500;

/**
 * Ctrl-C (SIGINT) or SIGTERM asks training to checkpoint and stop at the next step; a second Ctrl-C at least
 * REPEAT_WINDOW_MS later quits at once without saving, dropping this process's claims on models.
 */
export function stopOnInterrupt(): { requested: boolean } {
  const stop = { requested: false };
  let first = 0;
  const request = (what: string) => {
    stop.requested = true;
    first = Date.now();
    console.error(
      `\n${what}: saving a checkpoint at the next step, then stopping (Ctrl-C again, a moment later, to quit ` +
        "without saving)",
    );
  };
  try {
    Deno.addSignalListener("SIGINT", () => {
      if (!stop.requested) return request("interrupt");
      if (Date.now() - first < REPEAT_WINDOW_MS) return; // the same Ctrl-C, delivered twice
      console.error("\nsecond interrupt: quitting without saving");
      releaseHeldClaims();
      Deno.exit(130);
    });
    Deno.addSignalListener("SIGTERM", () => {
      if (!stop.requested) request("terminated");
    });
  } catch { /* signals unavailable (e.g. Windows): Ctrl-C just ends the process */ }
  return stop;
}

export function context(
  opts: RunOptions,
  stopSignal: { requested: boolean },
  download = false,
): RunContext {
  const overrides = Object.fromEntries(
    (["maxSteps", "batch", "evalImages", "microBatch"] as const).filter((k) => opts[k] !== undefined).map((
      k,
    ) => [k, opts[k]]),
  );
  return {
    overrides,
    download,
    shard: opts.shard ?? null,
    publishedOnly: opts.publishedOnly ?? false,
    tier: opts.tier,
    seeds: opts.seeds ?? null,
    dataset: opts.data ?? null,
    dataDir: opts.dataDir ?? null,
    outDir: opts.out,
    resume: opts.resume ?? false,
    retrain: opts.retrain ?? false,
    onCorrupt: opts.onCorrupt ?? "stop",
    progress: opts.progress,
    stopSignal,
    log: (line) => console.log(line),
  };
}

export function checkTier(exp: Experiment, tier: Tier): void {
  if (!exp.tiers.includes(tier)) {
    throw new Error(`experiment ${exp.id} has no '${tier}' tier; it has: ${exp.tiers.join(", ")}`);
  }
}

/** The experiments `reproduce` runs: every paper experiment with the tier, or the ones named by --only. */
export function selectExperiments(tier: Tier, only?: string): Experiment[] {
  return only
    ? only.split(",").map((id) => getExperiment(id.trim()))
    : listExperiments().filter((e) => !e.demo && e.tiers.includes(tier));
}

/** Runs experiments one after another, going on past failures; returns the ids that failed. */
// prepareRun is called by the commands before this, so a bad --out fails before the first experiment.
export async function runExperiments(
  selected: Experiment[],
  opts: RunOptions,
  download = false,
): Promise<string[]> {
  const stop = stopOnInterrupt();
  const failed: string[] = [];
  for (const exp of selected) {
    console.log(`\n== ${exp.id} (${exp.paperRef}): ${exp.title}`);
    try {
      checkTier(exp, opts.tier);
      await exp.run(context(opts, stop, download));
    } catch (e) {
      if (e instanceof InterruptedError) throw e;
      failed.push(exp.id);
      console.error(`experiment ${exp.id} failed: ${(e as Error).message}`);
    }
  }
  return failed;
}
