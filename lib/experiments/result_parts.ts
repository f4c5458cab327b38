/**
 * The parts of a result that every experiment builds the same way: a run's record, the regime of its trained nets
 * against the paper's training length, and the fields every result shares.
 */
import type { DataSet } from "../data/dataset.ts";
import type { ExperimentResult, Regime, RunRecord } from "../results/result.ts";
import { leftChanceShare } from "../results/plateau.ts";
import type { TrainResult } from "../train/trainer.ts";
import { environment } from "../util/environment.ts";
import type { LoadedData } from "./data.ts";
import { gpuBackend } from "./model_store.ts";
import { type Experiment, overridesText, type RunContext } from "./registry.ts";

export function runRecord(
  label: string,
  seed: number,
  r: Pick<TrainResult, "steps" | "epochs" | "points" | "seconds" | "microBatch" | "batch">,
  final: Record<string, number>,
): RunRecord {
  return {
    label,
    seed,
    steps: r.steps,
    epochs: r.epochs,
    points: r.points,
    final,
    seconds: r.seconds,
    ...(r.microBatch < r.batch ? { microBatch: r.microBatch } : {}),
  };
}

/** The paper's training length for a regime record: epochs over a training set of `images` at `batch`. */
export interface PaperLength {
  epochs: number;
  images: number;
  batch: number;
  /** The paper's comparable final error (fraction), if any. */
  err: number | null;
}

/** A run as the regime reads it: its length, its validation points, and a label for the plateau list. */
export interface RegimeRun {
  label: string;
  steps: number;
  epochs: { epoch: number }[];
  points: { step: number; valTop1Err: number }[];
  /** Its time on the plateau is what a claim measures (reported, not counted against the tier). */
  plateauMeasured?: boolean;
}

/** The regime of an experiment's trained nets: their steps and epochs against the paper's, final error. */
export function regime(
  runs: RegimeRun[],
  finalErrs: number[],
  chance: number,
  paper: PaperLength,
  text: string,
  stage: Regime["stage"] = "early",
): Regime {
  const steps = Math.max(...runs.map((r) => r.steps));
  const epochs = Math.max(...runs.map((r) => r.epochs.at(-1)?.epoch ?? 0));
  return {
    steps,
    epochs,
    paperSteps: Math.round((paper.epochs * paper.images) / paper.batch),
    paperEpochs: paper.epochs,
    finalErr: finalErrs.reduce((a, b) => a + b, 0) / finalErrs.length,
    chance,
    paperErr: paper.err,
    text,
    stage,
    leftChance: runs.map((r) => ({
      label: r.label,
      share: leftChanceShare(r, chance),
      ...(r.plateauMeasured ? { measured: true } : {}),
    })),
  };
}

/** ImageNet 2012's training set, for the paper's step counts. */
export const IMAGENET_TRAIN = 1_281_167;

/** The fields every result shares; the experiment fills in the rest. */
export async function resultBase(
  ctx: RunContext,
  exp: Experiment,
  data: LoadedData<DataSet> | null,
  seeds: number[],
  started: number,
): Promise<
  Omit<
    ExperimentResult,
    "runs" | "metrics" | "comparison" | "claims" | "differences" | "plots" | "notes" | "config" | "regime"
  >
> {
  return {
    schema: 2,
    experiment: { id: exp.id, title: exp.title, paperRef: exp.paperRef },
    tier: ctx.tier,
    data: data
      ? {
        dataset: data.dataset,
        source: data.train.source,
        train: data.train.count,
        val: data.val.count,
        test: data.test.count,
        classes: data.train.classes.length,
        fingerprint: data.fingerprint,
        note: data.note,
        input: data.input,
        ...(data.skipped ? { skipped: data.skipped } : {}),
      }
      : {
        dataset: "none",
        source: "no data: computed from the architectures",
        train: 0,
        val: 0,
        test: 0,
        classes: 0,
        fingerprint: "none",
      },
    seeds,
    ...(overridesText(ctx.overrides) ? { overrides: overridesText(ctx.overrides)! } : {}),
    environment: await environment(await gpuBackend()),
    wallSeconds: (performance.now() - started) / 1000,
  };
}
