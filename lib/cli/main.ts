/**
 * The command line: doctor, exp, reproduce, data and report, with --help everywhere and errors that list the
 * valid choices.
 */
import { Argument, Command, InvalidArgumentError, Option } from "commander";
import {
  type Experiment,
  getExperiment,
  listExperiments,
  type RunContext,
  type Tier,
  TIERS,
} from "../experiments/registry.ts";
import { InterruptedError } from "../experiments/common.ts";
import { DATASET_NAMES, type DatasetName, fetchDataset } from "../data/catalog.ts";
import { rebuildMarkdown } from "../results/result.ts";
import type { ProgressMode } from "../train/progress.ts";
import { runDoctor } from "./doctor.ts";
import "../../experiments/index.ts";

function parseSeeds(value: string): number[] {
  const seeds = value.split(",").map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new InvalidArgumentError("seeds must be non-negative integers separated by commas, e.g. 1,2,3");
  }
  return seeds;
}

interface RunOptions {
  tier: Tier;
  seeds?: number[];
  data?: string;
  dataDir?: string;
  out: string;
  resume?: boolean;
  retrain?: boolean;
  progress: ProgressMode;
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--tier <tier>", "scale tier").choices([...TIERS]).default("default"))
    .option(
      "--seeds <list>",
      "comma-separated seeds (default: the experiment's own for the tier)",
      parseSeeds,
    )
    .addOption(new Option("--data <name>", "dataset instead of the default CIFAR-10").choices(DATASET_NAMES))
    .option("--data-dir <dir>", "folder holding the datasets (default: ../shared/datasets, then the cache)")
    .option("--out <dir>", "results folder", "results")
    .option("--resume", "continue from the last checkpoints")
    .option("--retrain", "train again even the models that finished training earlier with the same code")
    .addOption(
      new Option("--progress <mode>", "progress display").choices(["auto", "bar", "lines", "none"]).default(
        "auto",
      ),
    );
}

/** Ctrl-C asks training to checkpoint and stop at the next step; a second Ctrl-C quits at once. */
function stopOnInterrupt(): { requested: boolean } {
  const stop = { requested: false };
  try {
    Deno.addSignalListener("SIGINT", () => {
      if (stop.requested) Deno.exit(130);
      stop.requested = true;
      console.error(
        "\ninterrupt: saving a checkpoint at the next step (Ctrl-C again to quit without saving)",
      );
    });
  } catch { /* signals unavailable (e.g. Windows): Ctrl-C just ends the process */ }
  return stop;
}

function context(opts: RunOptions, stopSignal: { requested: boolean }): RunContext {
  return {
    tier: opts.tier,
    seeds: opts.seeds ?? null,
    dataset: opts.data ?? null,
    dataDir: opts.dataDir ?? null,
    outDir: opts.out,
    resume: opts.resume ?? false,
    retrain: opts.retrain ?? false,
    progress: opts.progress,
    stopSignal,
    log: (line) => console.log(line),
  };
}

function checkTier(exp: Experiment, tier: Tier): void {
  if (!exp.tiers.includes(tier)) {
    throw new Error(`experiment ${exp.id} has no '${tier}' tier; it has: ${exp.tiers.join(", ")}`);
  }
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
    await exp.run(context(opts, stopOnInterrupt()));
  });

  addRunOptions(
    program.command("reproduce")
      .description("run every paper experiment at a tier, going on past failures")
      .option("--only <ids>", "comma-separated experiment ids (may name demos)"),
  ).action(async (opts: RunOptions & { only?: string }) => {
    const selected = opts.only
      ? opts.only.split(",").map((id) => getExperiment(id.trim()))
      : listExperiments().filter((e) => !e.demo && e.tiers.includes(opts.tier));
    if (!selected.length) {
      console.log(
        `no paper experiments registered yet for tier ${opts.tier}: nothing to reproduce ` +
          "(the pipeline demo runs with: deno task exp pipeline-demo)",
      );
      return;
    }
    const stop = stopOnInterrupt();
    const failed: string[] = [];
    for (const exp of selected) {
      console.log(`\n== ${exp.id} (${exp.paperRef}): ${exp.title}`);
      try {
        checkTier(exp, opts.tier);
        await exp.run(context(opts, stop));
      } catch (e) {
        if (e instanceof InterruptedError) throw e;
        failed.push(exp.id);
        console.error(`experiment ${exp.id} failed: ${(e as Error).message}`);
      }
    }
    console.log(
      `\nreproduce: ${selected.length - failed.length} of ${selected.length} experiments succeeded`,
    );
    if (failed.length) {
      console.error(`failed: ${failed.join(", ")}`);
      Deno.exitCode = 1;
    }
  });

  program.command("data")
    .description("download a dataset from its official address into the cache (checksummed)")
    .addArgument(new Argument("<name>", "dataset").choices(DATASET_NAMES))
    .action(async (name: DatasetName) => {
      const dir = await fetchDataset(name);
      console.log(`${name} is ready in ${dir}`);
    });

  program.command("report")
    .description("rebuild every result.md from its result.json")
    .option("--out <dir>", "results folder", "results")
    .action(async (opts: { out: string }) => {
      const written = await rebuildMarkdown(opts.out);
      console.log(`rebuilt ${written.length} result.md file(s) under ${opts.out}`);
    });
  return program;
}

export async function main(args: string[]): Promise<number> {
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
