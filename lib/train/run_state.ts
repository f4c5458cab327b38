/**
 * The trainer's state between steps (how far it got, its curves, the running sums of the current epoch) and its
 * checkpoints: saved with the parameters and momentum buffers at epoch ends and on a stop request, restored on
 * --resume when the checkpoint was made by the same configuration.
 */
import type { Network } from "../models/network.ts";
import type { Sgd } from "../optim.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { initialSchedule, type ScheduleSpec, type ScheduleState } from "./schedule.ts";
import type { EpochRecord, EvalPoint } from "./records.ts";

export interface TrainState {
  configKey: string;
  /** The current epoch (0-based) and the steps done in it. */
  epoch: number;
  step: number;
  schedule: ScheduleState;
  epochs: EpochRecord[];
  points: EvalPoint[];
  /** Sums over the current epoch so far. */
  lossSum: number;
  correct: number;
  seen: number;
  epochSeconds: number;
  seconds: number;
  /** Seconds spent evaluating so far (excluded from training time). */
  evalSeconds: number;
  /** Set once the run converged by its configuration's rule: a finished run, whatever its epoch count. */
  converged?: boolean;
}

/** The trainer's state saved in a checkpoint: which configuration, how far it got. */
export type SavedState = Pick<TrainState, "configKey" | "epoch" | "step" | "converged">;

export function freshState(configKey: string, schedule: ScheduleSpec): TrainState {
  return {
    configKey,
    epoch: 0,
    step: 0,
    schedule: initialSchedule(schedule),
    epochs: [],
    points: [],
    lossSum: 0,
    correct: 0,
    seen: 0,
    epochSeconds: 0,
    seconds: 0,
    evalSeconds: 0,
  };
}

export async function saveState(
  path: string | null,
  state: TrainState,
  net: Network,
  sgd: Sgd,
): Promise<void> {
  if (!path) return;
  // One tensor at a time, kept as float32: reading all of them as float64 first doubled the peak.
  const tensors: Float32Array[] = [];
  for (const p of net.parameters()) tensors.push(Float32Array.from(await p.tensor.toArray()));
  for (const v of sgd.velocityStorages()) tensors.push(Float32Array.from(await net.backend.read(v)));
  await saveCheckpoint(path, { state, tensors });
}

/**
 * The state of the checkpoint at `path`, with the parameters and momentum buffers written back; null when there
 * is none. A checkpoint made by another configuration is an error.
 */
export async function restoreState(
  path: string | null,
  key: string,
  net: Network,
  sgd: Sgd,
  log: (line: string) => void,
): Promise<TrainState | null> {
  if (!path) return null;
  const ckpt = await loadCheckpoint<TrainState>(path);
  if (!ckpt) {
    log(`no checkpoint at ${path}: starting from scratch`);
    return null;
  }
  if (ckpt.state.configKey !== key) {
    throw new Error(
      `checkpoint ${path} was made with another configuration; delete it or run without --resume`,
    );
  }
  const params = net.parameters();
  params.forEach((p, i) => net.backend.write(p.tensor.storage, ckpt.tensors[i]));
  sgd.setVelocities(ckpt.tensors.slice(params.length));
  log(`resumed from ${path}: epoch ${ckpt.state.epoch + 1}, step ${ckpt.state.step}`);
  return ckpt.state;
}
