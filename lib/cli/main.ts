/** The command line: doctor, exp and reproduce, with --help everywhere and errors that list the valid choices. */
import { Command, InvalidArgumentError, Option } from "commander";
import {
  getExperiment,
  listExperiments,
  type RunContext,
  type Tier,
  TIERS,
} from "../experiments/registry.ts";
import { runDoctor } from "./doctor.ts";
import "../../experiments/index.ts";

function parseSeeds(value: string): number[] {
  const seeds = value.split(",").map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new InvalidArgumentError("seeds must be non-negative integers separated by commas, e.g. 1,2,3");
  }
  return seeds;
}

function tierOption(): Option {
  return new Option("--tier <tier>", "scale tier").choices([...TIERS]).default("default");
}

function context(
  opts: { tier: Tier; seeds?: number[]; dataDir?: string; out: string; resume?: boolean },
): RunContext {
  return {
    tier: opts.tier,
    seeds: opts.seeds ?? [1],
    dataDir: opts.dataDir ?? null,
    outDir: opts.out,
    resume: opts.resume ?? false,
    log: (line) => console.log(line),
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

  program.command("exp")
    .description("run one experiment")
    .argument("[id]", "experiment id (see --list)")
    .option("--list", "list the registered experiments")
    .addOption(tierOption())
    .option("--seeds <list>", "comma-separated seeds", parseSeeds)
    .option("--data-dir <dir>", "folder holding the datasets")
    .option("--out <dir>", "results folder", "results")
    .option("--resume", "continue from the last checkpoint")
    .action(async (id: string | undefined, opts) => {
      const experiments = listExperiments();
      if (opts.list || !id) {
        if (!experiments.length) console.log("no experiments registered yet");
        for (const e of experiments) console.log(`${e.id.padEnd(20)} ${e.paperRef.padEnd(14)} ${e.title}`);
        if (!id && !opts.list && experiments.length) console.log("\nrun one with: deno task exp <id>");
        return;
      }
      const exp = getExperiment(id);
      await exp.run(context(opts));
    });

  program.command("reproduce")
    .description("run every experiment at a tier, going on past failures")
    .addOption(tierOption())
    .option("--only <ids>", "comma-separated experiment ids")
    .option("--seeds <list>", "comma-separated seeds", parseSeeds)
    .option("--data-dir <dir>", "folder holding the datasets")
    .option("--out <dir>", "results folder", "results")
    .action(async (opts) => {
      const selected = opts.only
        ? String(opts.only).split(",").map((id: string) => getExperiment(id.trim()))
        : listExperiments();
      if (!selected.length) {
        console.log("no experiments registered yet: nothing to reproduce");
        return;
      }
      const failed: string[] = [];
      for (const exp of selected) {
        console.log(`== ${exp.id} (${exp.paperRef}): ${exp.title}`);
        try {
          await exp.run(context(opts));
        } catch (e) {
          failed.push(exp.id);
          console.error(`experiment ${exp.id} failed: ${(e as Error).message}`);
        }
      }
      console.log(
        `reproduce: ${selected.length - failed.length} of ${selected.length} experiments succeeded`,
      );
      if (failed.length) {
        console.error(`failed: ${failed.join(", ")}`);
        Deno.exitCode = 1;
      }
    });
  return program;
}

export async function main(args: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    const code = (e as { exitCode?: number; code?: string }).exitCode;
    if (code !== undefined) return code; // commander already printed help or the error
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
  return Number(Deno.exitCode ?? 0);
}
