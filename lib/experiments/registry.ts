/**
 * The experiment registry: each experiment under experiments/ declares its id, title, the paper table or figure
 * it reproduces, the tiers it supports and its run function, and registers itself here.
 */
import type { ProgressMode } from "../train/progress.ts";

export const TIERS = ["smoke", "default", "gpu", "paper"] as const;
export type Tier = typeof TIERS[number];

export interface RunContext {
  tier: Tier;
  /** Seeds from --seeds, or null for the experiment's own default for the tier. */
  seeds: number[] | null;
  /** --data: the dataset to use instead of the experiment's default. */
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
  run(ctx: RunContext): Promise<void>;
}

/** An experiment's settings for the run's tier; a tier it lacks is an error naming the ones it has. */
export function tierSettings<T>(table: Record<string, T>, ctx: { tier: Tier }, expId: string): T {
  const settings = table[ctx.tier];
  if (!settings) {
    throw new Error(`${expId} has no '${ctx.tier}' tier (it has: ${Object.keys(table).join(", ")})`);
  }
  return settings;
}

const registry = new Map<string, Experiment>();

export function register(exp: Experiment): void {
  if (registry.has(exp.id)) throw new Error(`experiment id ${exp.id} is registered twice`);
  registry.set(exp.id, exp);
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
