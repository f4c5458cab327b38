/**
 * The command line: doctor, exp, reproduce, check, data and report, with --help everywhere and errors that
 * list the valid choices.
 */
import { Argument, Command, InvalidArgumentError, Option } from "commander";
import {
  type Experiment,
  getExperiment,
  listExperiments,
  registerAll,
  type Tier,
  TIERS,
} from "../experiments/registry.ts";
import { InterruptedError } from "../experiments/common.ts";
import { DATASET_NAMES, type DatasetName, fetchDataset } from "../data/catalog.ts";
import { rebuildMarkdown } from "../results/result.ts";
import { closeDecodePool } from "../data/decode_pool.ts";
import { closeEngine } from "../webgpu/engine.ts";
import { runDoctor } from "./doctor.ts";
import { type CheckOptions, runCheck } from "./check.ts";
import { writeTierReport } from "./report.ts";
import { shardCommand, shardDir } from "../experiments/shards.ts";
import {
  checkTier,
  context,
  prepareRun,
  runExperiments,
  type RunOptions,
  selectExperiments,
  stopOnInterrupt,
} from "./run.ts";

export { selectExperiments };

/**
 * The largest seed the flag takes: the generator keeps 32 bits of a seed, and experiments derive several seeds
 * from each (e.g. 1000 * seed + k), so larger values could alias to another seed's nets.
 */
export const MAX_SEED = 999_999;

/** Seeds: integers 0..MAX_SEED, none empty, none repeated (a repeated seed is not an independent run). */
export function parseSeeds(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.some((s) => s === "")) {
    throw new InvalidArgumentError(
      `--seeds ${value} has an empty entry; give integers separated by commas, e.g. 1,2,3`,
    );
  }
  const seeds = parts.map(Number);
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new InvalidArgumentError("seeds must be non-negative integers separated by commas, e.g. 1,2,3");
  }
  const large = seeds.find((s) => s > MAX_SEED);
  if (large !== undefined) {
    throw new InvalidArgumentError(
      `--seeds: ${large} is above ${MAX_SEED}; the generator keeps 32 bits of a seed and experiments derive ` +
        "several from each, so a larger seed could train the same nets as a smaller one: use 0 to " +
        `${MAX_SEED}`,
    );
  }
  const repeated = seeds.filter((s, i) => seeds.indexOf(s) !== i);
  if (repeated.length) {
    throw new InvalidArgumentError(
      `--seeds ${value} repeats seed ${
        repeated[0]
      }: the same seed trains the same net, so the copies are not ` +
        "independent runs and would narrow the intervals falsely; give distinct seeds",
    );
  }
  return seeds;
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--tier <tier>", "scale tier").choices([...TIERS]).default("default"))
    .option(
      "--seeds <list>",
      "comma-separated seeds (default: the experiment's own for the tier)",
      parseSeeds,
    )
    .option(
      "--data <name|folder>",
      `dataset instead of the default CIFAR-10: ${DATASET_NAMES.join(", ")}, or an ImageNet-style folder ` +
        "(train/<class>/*.jpg, val/<class>/*.jpg; the paper tier streams it at full size)",
    )
    .option(
      "--data-dir <dir>",
      "folder holding the datasets, or an ImageNet-style folder itself (default: ../shared/datasets, the cache)",
    )
    .option("--out <dir>", "results folder", "results")
    .option("--resume", "continue from the last checkpoints")
    .option(
      "--shard <name>",
      "train one net of the experiment (its shard; list them with: rectifiers shards --tier <tier>)",
    )
    .option("--retrain", "train again even the models that finished training earlier with the same code")
    .addOption(
      new Option("--on-corrupt <action>", "what to do with a damaged stored model or checkpoint")
        .choices(["stop", "retrain"]).default("stop"),
    )
    .addOption(
      new Option("--progress <mode>", "progress display").choices(["auto", "bar", "lines", "none"]).default(
        "auto",
      ),
    )
    .option(
      "--micro-batch <n>",
      "images per forward/backward pass, gradients summed over the batch (default: what the adapter's binding " +
        "limit allows); the same gradients, less memory",
      positiveInt("--micro-batch"),
    )
    .option(
      "--max-steps <n>",
      "pipeline check: stop every training after n steps",
      positiveInt("--max-steps"),
    )
    .option("--batch <n>", "pipeline check: images per step instead of the tier's", positiveInt("--batch"))
    .option(
      "--eval-images <n>",
      "pipeline check: at most n images for every test protocol and validation pass",
      positiveInt("--eval-images"),
    );
}

/** A parser for a flag that takes a positive integer. */
function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} takes a positive integer, got ${value}`);
    }
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command("rectifiers")
    .description("Reproduce He et al., Delving Deep into Rectifiers (ICCV 2015) on a WebGPU tensor library")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  program.command("doctor")
    .description("check the WebGPU adapter, limits and kernels, with known-answer self-tests")
    .action(async () => {
      if (!(await runDoctor())) Deno.exitCode = 1;
    });

  addRunOptions(
    program.command("exp")
      .description("run one experiment")
      .argument("[id]", "experiment id (see --list)")
      .option("--list", "list the registered experiments"),
  ).action(async (id: string | undefined, opts: RunOptions & { list?: boolean }) => {
    const experiments = listExperiments();
    if (opts.list || !id) {
      if (!experiments.length) console.log("no experiments registered yet");
      for (const e of experiments) {
        console.log(`${e.id.padEnd(20)} ${e.paperRef.padEnd(24)} ${e.title} [tiers: ${e.tiers.join(", ")}]`);
      }
      if (!id && !opts.list && experiments.length) console.log("\nrun one with: deno task exp <id>");
      return;
    }
    const exp = getExperiment(id);
    checkTier(exp, opts.tier);
    if (opts.shard) checkShard(exp, opts);
    await prepareRun(opts);
    await exp.run(context(opts, stopOnInterrupt()));
  });

  addRunOptions(
    program.command("reproduce")
      .description("run every paper experiment at a tier, going on past failures, then write the report")
      .option("--only <ids>", "comma-separated experiment ids (may name demos)"),
  ).action(async (opts: RunOptions & { only?: string }) => {
    if (opts.shard) throw new Error("--shard trains one experiment's net: use exp <id> --shard <name>");
    const selected = selectExperiments(opts.tier, opts.only);
    if (!selected.length) {
      console.log(
        `no paper experiments registered yet for tier ${opts.tier}: nothing to reproduce ` +
          "(the pipeline demo runs with: deno task exp pipeline-demo)",
      );
      return;
    }
    await prepareRun(opts);
    const failed = await runExperiments(selected, opts, true);
    const report = await writeTierReport(opts.out, opts.tier);
    console.log(
      `\nreproduce: ${selected.length - failed.length} of ${selected.length} experiments succeeded`,
    );
    console.log(`report: ${report}`);
    if (failed.length) {
      console.error(`failed: ${failed.join(", ")}`);
      Deno.exitCode = 1;
    }
  });

  program.command("shards")
    .description(
      "print the command line of every shard (one trained net) of a tier, one per line, for parallel, xargs -P " +
        "or a job array",
    )
    .addOption(new Option("--tier <tier>", "scale tier").choices([...TIERS]).default("long"))
    .option("--only <ids>", "comma-separated experiment ids")
    .option(
      "--seeds <list>",
      "comma-separated seeds (default: the experiment's own for the tier)",
      parseSeeds,
    )
    .option("--missing", "only the shards with no published record yet (in --out): what is left to train")
    .option("--out <dir>", "results folder whose published shards --missing leaves out", "results")
    .action((opts: { tier: Tier; only?: string; seeds?: number[]; missing?: boolean; out: string }) => {
      const lines = shardLines(opts.tier, opts.only, opts.seeds ?? null, opts.missing ? opts.out : null);
      if (!lines.length && !opts.missing) {
        throw new Error(`no experiment runs in shards at tier ${opts.tier} (the long tier's do)`);
      }
      for (const line of lines) console.log(line);
    });

  program.command("check")
    .description(
      "the regression check: run the tier's experiments (or read --results) and compare every metric and verdict " +
        "with results/expected/<tier>.json; at the long tier nothing trains: the result is aggregated again from " +
        "the committed shards, each of which must still be this engine's numbers",
    )
    .addOption(new Option("--tier <tier>", "scale tier").choices([...TIERS]).default("smoke"))
    .option(
      "--results <dir>",
      "compare the results already in this folder instead of running the experiments",
    )
    .option("--only <ids>", "comma-separated experiment ids")
    .option("--accept", "record the results as the new expectations and say what changed")
    .option("--expected <file>", "expectations file (default: results/expected/<tier>.json)")
    .option(
      "--same-as <dir>",
      "instead of the expectations: require exactly the numbers of the results in this folder (a refactor)",
    )
    .option("--data-dir <dir>", "folder holding the datasets (default: ../shared/datasets, then the cache)")
    .addOption(
      new Option("--progress <mode>", "progress display").choices(["auto", "bar", "lines", "none"]).default(
        "lines",
      ),
    )
    .action(async (opts: CheckOptions) => {
      if (!(await runCheck(opts))) Deno.exitCode = 1;
    });

  program.command("data")
    .description("download a dataset from its official address into the cache (checksummed)")
    .addArgument(new Argument("<name>", "dataset").choices(DATASET_NAMES))
    .action(async (name: DatasetName) => {
      const dir = await fetchDataset(name);
      console.log(`${name} is ready in ${dir}`);
    });

  program.command("report")
    .description(
      "rebuild every result.md from its result.json, and the tier's REPORT.md (and the README's results)",
    )
    .option("--out <dir>", "results folder", "results")
    .addOption(new Option("--tier <tier>", "tier of the report").choices([...TIERS]).default("default"))
    .action(async (opts: { out: string; tier: Tier }) => {
      const written = await rebuildMarkdown(opts.out);
      console.log(`rebuilt ${written.length} result.md file(s) under ${opts.out}`);
      console.log(`report: ${await writeTierReport(opts.out, opts.tier)}`);
    });
  return program;
}

/** --shard must name one of the experiment's shards at the tier: checked before any data is loaded. */
function checkShard(exp: Experiment, opts: RunOptions): void {
  const names = exp.shardNames?.({ tier: opts.tier, seeds: opts.seeds ?? null }) ?? [];
  if (!names.includes(opts.shard!)) {
    throw new Error(
      names.length
        ? `${exp.id} has no shard ${opts.shard} at tier ${opts.tier}; its shards: ${names.join(", ")}`
        : `${exp.id} does not train in shards`,
    );
  }
}

/**
 * Every shard's command line at a tier (lib/experiments/shards.ts), experiment by experiment; with `missingIn`,
 * only those with no published record in that results folder.
 */
export function shardLines(
  tier: Tier,
  only: string | undefined,
  seeds: number[] | null,
  missingIn: string | null = null,
): string[] {
  // Demos only when named, as reproduce runs them.
  const selected = only
    ? only.split(",").map((id) => getExperiment(id.trim()))
    : listExperiments().filter((e) => !e.demo);
  const published = (id: string, name: string) => {
    try {
      return Deno.statSync(`${shardDir(missingIn!, id, tier)}/${name}.json`).isFile;
    } catch {
      return false;
    }
  };
  return selected.filter((e) => e.shardNames && e.tiers.includes(tier)).flatMap((e) =>
    e.shardNames!({ tier, seeds })
      .filter((name) => missingIn === null || !published(e.id, name))
      .map((name) => shardCommand(e.id, tier, name))
  );
}

/** Runs the CLI on `args` with the experiments it is handed (cli.ts hands it experiments/index.ts's list). */
export async function main(args: string[], experiments: Experiment[] = []): Promise<number> {
  registerAll(experiments);
  const program = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    if (code !== undefined) return code; // commander already printed help or the error
    console.error(`error: ${(e as Error).message}`);
    return e instanceof InterruptedError ? 130 : 1;
  }
  return Number(Deno.exitCode ?? 0);
}

/** Stops the decode workers and closes the device before the process exits (cli.ts). */
export async function shutdown(): Promise<void> {
  closeDecodePool();
  await closeEngine();
}
