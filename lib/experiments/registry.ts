/**
 * The experiment registry: the tiers, a run's context, and the experiments the CLI is handed (experiments/index.ts
 * lists them; each is declared with lib/experiments/runner.ts defineExperiment).
 */
import type { ProgressMode } from "../train/progress.ts";

export const TIERS = ["smoke", "default", "long", "gpu", "paper"] as const;
export type Tier = typeof TIERS[number];

/**
 * Command-line overrides for pipeline checks (CI runs the paper tier for a few steps on a generated folder):
 * a result made with any of them says so and is not a measurement of the tier.
 */
export interface Overrides {
  /** Stop every training after this many SGD steps (--max-steps). */
  maxSteps?: number;
  /** Images per SGD step instead of the tier's (--batch). */
  batch?: number;
  /** At most this many images for every evaluation protocol (--eval-images). */
  evalImages?: number;
  /** Images per forward/backward pass, gradients accumulated over the batch (--micro-batch). */
  microBatch?: number;
}

/** What a pipeline check's overrides set in a training tier's settings (tierSettings). */
export interface PipelineCheckSettings {
  /** Set by --max-steps. */
  maxSteps?: number;
  /** Validation images at the ends of epochs (absent: all of them); --eval-images bounds it too. */
  epochEvalLimit?: number;
}

export interface RunContext {
  tier: Tier;
  /** Seeds from --seeds, or null for the experiment's own default for the tier. */
  seeds: number[] | null;
  /** --data: a dataset name or an ImageNet-style folder, instead of the experiment's default. */
  dataset: string | null;
  dataDir: string | null;
  outDir: string;
  resume: boolean;
  /** Train models again even when a finished one with the same configuration and code is stored. */
  retrain: boolean;
  /** A damaged stored model or checkpoint: stop with its path, or train it again. */
  onCorrupt: "stop" | "retrain";
  progress: ProgressMode;
  /** Set by Ctrl-C: training checkpoints and stops at the next step. */
  stopSignal: { requested: boolean };
  overrides: Overrides;
  /** Download CIFAR-10 when it is nowhere on the machine (reproduce does, as torchvision's download=True). */
  download: boolean;
  /** --shard: train this one net of the experiment (lib/experiments/shards.ts), null for all of them. */
  shard?: string | null;
  /**
   * Read published shards only, never train: a missing shard is counted (no result is aggregated), a stale one
   * (another configuration, or an engine that now computes other numbers) is an error. The long tier's check.
   */
  publishedOnly?: boolean;
  log: (line: string) => void;
}

export interface Experiment {
  id: string;
  title: string;
  /** e.g. "Table 2", "ICCV Fig 3". */
  paperRef: string;
  tiers: Tier[];
  /** A pipeline demonstration rather than a paper table or figure: `reproduce` runs it only when named. */
  demo?: boolean;
  /** Its shards' names at a tier (one per trained net), where it trains through lib/experiments/shards.ts. */
  shardNames?(ctx: Pick<RunContext, "tier" | "seeds">): string[];
  run(ctx: RunContext): Promise<void>;
}

/**
 * An experiment's settings for the run's tier, with the run's overrides applied to the fields it has (batch,
 * maxSteps, evalLimit, viewImages, epochEvalLimit); a tier it lacks is an error naming the ones it has.
 */
export function tierSettings<T>(
  table: Record<string, T>,
  ctx: { tier: Tier; overrides?: Overrides },
  expId: string,
): T {
  const settings = table[ctx.tier];
  if (!settings) {
    throw new Error(`${expId} has no '${ctx.tier}' tier (it has: ${Object.keys(table).join(", ")})`);
  }
  const o = ctx.overrides ?? {};
  const out = { ...settings } as Record<string, unknown>;
  if (o.batch !== undefined && "batch" in out) out.batch = o.batch;
  if (o.maxSteps !== undefined) out.maxSteps = o.maxSteps;
  if (o.evalImages !== undefined && "evalLimit" in out) {
    out.epochEvalLimit = Math.min((out.epochEvalLimit as number | undefined) ?? Infinity, o.evalImages);
  }
  for (const key of ["evalLimit", "viewImages"]) {
    if (o.evalImages !== undefined && typeof out[key] === "number") {
      out[key] = Math.min(out[key] as number, o.evalImages);
    }
  }
  return out as T;
}

/**
 * "--max-steps 3, --batch 4", or null when the run has none of the overrides that change what is measured
 * (--micro-batch does not: the gradients are the same).
 */
export function overridesText(o: Overrides): string | null {
  const flags: [keyof Overrides, string][] = [
    ["maxSteps", "--max-steps"],
    ["batch", "--batch"],
    ["evalImages", "--eval-images"],
  ];
  const set = flags.filter(([k]) => o[k] !== undefined).map(([k, flag]) => `${flag} ${o[k]}`);
  return set.length ? set.join(", ") : null;
}

const registry = new Map<string, Experiment>();

export function register(exp: Experiment): void {
  if (registry.has(exp.id)) throw new Error(`experiment id ${exp.id} is registered twice`);
  registry.set(exp.id, exp);
}

/** Registers each experiment of the list the CLI is handed (one registered already is left as it is). */
export function registerAll(list: Experiment[]): void {
  for (const exp of list) if (registry.get(exp.id) !== exp) register(exp);
}

export function listExperiments(): Experiment[] {
  return [...registry.values()];
}

export function getExperiment(id: string): Experiment {
  const exp = registry.get(id);
  if (!exp) {
    const known = listExperiments().map((e) => e.id);
    throw new Error(
      `unknown experiment id '${id}'. ` +
        (known.length ? `Valid ids: ${known.join(", ")}.` : "No experiments are registered yet.") +
        " See: deno task exp --list",
    );
  }
  return exp;
}
