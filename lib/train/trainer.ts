/**
 * The training loop: SGD with momentum and weight-decay masks, dropout, a learning-rate schedule, per-epoch
 * metrics and evaluation points inside epochs. Every batch (its images, augmentation and dropout masks) is a pure
 * function of (seed, epoch, step), so a run resumed from a checkpoint, taken at an epoch end or mid-epoch on
 * Ctrl-C, continues exactly as the uninterrupted run would have. Loss and accuracy are accumulated on the device
 * and read every `readEvery` steps; a NaN or Inf stops the run, keeping the last good checkpoint.
 */
import {
  type AugmentConfig,
  augmentInto,
  type Normalization,
  type PcaBasis,
  type ViewName,
} from "../data/augment.ts";
import type { ImageSet } from "../data/dataset.ts";
import type { NetSpec, Network } from "../models/network.ts";
import * as ops from "../ops.ts";
import { Sgd } from "../optim.ts";
import { hash2 } from "../util/hash.ts";
import { Rng } from "../rng.ts";
import { keep, Tensor, tidy } from "../tensor.ts";
import { sha256Hex } from "../util/fs.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { evaluateViews } from "./evaluate.ts";
import { formatDuration, Progress, type ProgressMode } from "./progress.ts";
import { advance, initialSchedule, type ScheduleSpec, type ScheduleState } from "./schedule.ts";

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleSpec;
  augment: AugmentConfig;
  norm: Normalization;
  pca: PcaBasis | null;
  seed: number;
  /** Per-epoch validation protocol (the paper's curves use centre-crop error). */
  val: { views: ViewName; side: number; crop: number; batchSize: number };
  /** Fractions of an epoch (0 < f < 1) at which to evaluate inside every epoch, besides its end. */
  evalFractions: number[];
  /** Validation images used at those inner points (all of them at epoch ends). */
  evalLimit?: number;
  /** Steps between loss readbacks (progress and the NaN/Inf guard). */
  readEvery: number;
}

export interface TrainHooks {
  checkpointPath?: string | null;
  resume?: boolean;
  progress?: ProgressMode;
  log?: (line: string) => void;
  /** Called after every step; returning "stop" checkpoints and returns (as Ctrl-C does); throwing aborts. */
  afterStep?: (epoch: number, step: number) => void | "stop";
  /** Extra measurements at every evaluation point (e.g. gradient norms, mean responses). */
  probe?: (epoch: number) => Promise<Record<string, number>>;
  /** Set to request a checkpoint-and-return at the next step boundary (the CLI wires Ctrl-C to it). */
  stopSignal?: { requested: boolean };
  /** Mixed into the checkpoint's configuration key (e.g. a fingerprint of the code). */
  keySalt?: string;
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainTop1Err: number;
  valTop1Err: number;
  valTop5Err: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface EvalPoint {
  /** Fractional epochs trained when measured. */
  epoch: number;
  valTop1Err: number;
  valTop5Err: number;
  probe?: Record<string, number>;
}

export interface TrainResult {
  epochs: EpochRecord[];
  points: EvalPoint[];
  seconds: number;
  /** Where this process started, when it resumed. */
  resumedFrom: { epoch: number; step: number } | null;
  /** True when stopped (Ctrl-C / hook) before finishing; a checkpoint holds the state. */
  interrupted: boolean;
}

interface TrainState {
  configKey: string;
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
}

export class NonFiniteLossError extends ops.NonFiniteError {}

/** What a checkpoint must match to be resumed: the configuration, the network and the caller's salt. */
export function configKey(config: TrainConfig, spec: NetSpec, salt = ""): string {
  return sha256Hex(JSON.stringify({ config, spec, salt }));
}

/** The trainer's state saved in a checkpoint: which configuration, how far it got. */
export type SavedState = Pick<TrainState, "configKey" | "epoch" | "step">;

export async function train(
  net: Network,
  trainSet: ImageSet,
  valSet: ImageSet,
  config: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const log = hooks.log ?? console.log;
  const progress = new Progress(hooks.progress ?? "auto", log);
  const backend = net.backend;
  const params = net.parameters();
  const sgd = new Sgd(params, {
    lr: config.schedule.base,
    momentum: config.momentum,
    weightDecay: config.weightDecay,
  });
  const key = configKey(config, net.spec, hooks.keySalt);
  const steps = Math.floor(trainSet.count / config.batchSize);
  if (steps < 1) {
    throw new Error(
      `training set of ${trainSet.count} images is smaller than one batch (${config.batchSize})`,
    );
  }
  const innerSteps = new Set(
    config.evalFractions.map((f) => Math.round(f * steps)).filter((s) => s > 0 && s < steps),
  );

  let state: TrainState = {
    configKey: key,
    epoch: 0,
    step: 0,
    schedule: initialSchedule(config.schedule),
    epochs: [],
    points: [],
    lossSum: 0,
    correct: 0,
    seen: 0,
    epochSeconds: 0,
    seconds: 0,
  };
  let resumedFrom: TrainResult["resumedFrom"] = null;
  if (hooks.resume && hooks.checkpointPath) {
    const ckpt = await loadCheckpoint<TrainState>(hooks.checkpointPath);
    if (ckpt) {
      if (ckpt.state.configKey !== key) {
        throw new Error(
          `checkpoint ${hooks.checkpointPath} was made with another configuration; delete it or run without --resume`,
        );
      }
      state = ckpt.state;
      params.forEach((p, i) => backend.write(p.tensor.storage, ckpt.tensors[i]));
      sgd.setVelocities(ckpt.tensors.slice(params.length));
      resumedFrom = { epoch: state.epoch, step: state.step };
      log(`resumed from ${hooks.checkpointPath}: epoch ${state.epoch + 1}, step ${state.step}`);
    } else {
      log(`no checkpoint at ${hooks.checkpointPath}: starting from scratch`);
    }
  }

  const save = async (s: TrainState) => {
    if (!hooks.checkpointPath) return;
    const tensors = [...(await net.readParameters()), ...(await sgd.velocities())].map((a) =>
      Float32Array.from(a)
    );
    await saveCheckpoint(hooks.checkpointPath, { state: s, tensors });
  };

  const evaluate = async (epoch: number, limit?: number): Promise<EvalPoint> => {
    const r = await evaluateViews(net, valSet, { ...config.val, norm: config.norm, limit });
    const point: EvalPoint = { epoch, valTop1Err: r.top1Err, valTop5Err: r.top5Err };
    if (hooks.probe) point.probe = await hooks.probe(epoch);
    return point;
  };

  if (state.epoch === 0 && state.step === 0 && state.points.length === 0) {
    state.points.push(await evaluate(0, config.evalLimit));
  }

  const { channels: C } = trainSet;
  const crop = config.augment.crop;
  const batchFloats = config.batchSize * C * crop * crop;
  const started = performance.now() - state.seconds * 1000;

  while (state.epoch < config.epochs) {
    const epoch = state.epoch;
    sgd.options.lr = state.schedule.lr;
    const order = Array.from({ length: trainSet.count }, (_, i) => i);
    new Rng(hash2(config.seed, 0xe90c + epoch)).shuffle(order);
    let lossAcc = Tensor.fromArray(backend, [state.lossSum], [1]);
    let correctAcc = Tensor.fromArray(backend, [state.correct, 0], [2]);
    const epochStart = performance.now() - state.epochSeconds * 1000;
    const resumeSeen = state.seen;
    for (let step = state.step; step < steps; step++) {
      const rng = new Rng(hash2(hash2(config.seed, epoch), step));
      const x = new Float32Array(batchFloats);
      const labels = new Array<number>(config.batchSize);
      for (let i = 0; i < config.batchSize; i++) {
        const index = order[step * config.batchSize + i];
        augmentInto(trainSet, index, config.augment, config.norm, config.pca, rng, x, i * C * crop * crop);
        labels[i] = trainSet.labels[index];
      }
      const dropoutSeed = rng.nextU32();
      const next = tidy(() => {
        const xs = Tensor.fromArray(backend, x, [config.batchSize, C, crop, crop]);
        const ys = Tensor.fromArray(backend, labels, [config.batchSize]);
        const logits = net.forward(xs, { training: true, seed: dropoutSeed });
        const loss = ops.softmaxCrossEntropy(logits, ys);
        const correct = ops.topkCorrect(logits, ys, 5);
        loss.backward();
        sgd.step();
        sgd.zeroGrad();
        return { loss: keep(ops.add(lossAcc, loss)), correct: keep(ops.add(correctAcc, correct)) };
      });
      lossAcc.dispose();
      correctAcc.dispose();
      lossAcc = next.loss;
      correctAcc = next.correct;
      state.seen += config.batchSize;

      const done = step + 1;
      const stopNow = hooks.afterStep?.(epoch, step) === "stop" || hooks.stopSignal?.requested === true;
      if (done % config.readEvery === 0 || done === steps || innerSteps.has(done) || stopNow) {
        const lossSum = (await lossAcc.toArray())[0];
        if (!Number.isFinite(lossSum)) {
          lossAcc.dispose();
          correctAcc.dispose();
          throw new NonFiniteLossError(
            `training loss became ${lossSum} in epoch ${
              epoch + 1
            }, at or before step ${done}: training diverged. ` +
              `The last good checkpoint is kept${
                hooks.checkpointPath ? ` (${hooks.checkpointPath})` : ""
              }; lower the ` +
              `learning rate or check the initialization.`,
          );
        }
        const elapsed = (performance.now() - epochStart) / 1000;
        const rate = (state.seen - resumeSeen) / Math.max(elapsed - state.epochSeconds, 1e-9);
        progress.step({
          epoch,
          epochs: config.epochs,
          step: done,
          steps,
          loss: lossSum / done,
          imagesPerSecond: rate,
          etaSeconds: ((steps - done) + (config.epochs - epoch - 1) * steps) * config.batchSize / rate,
        });
        if (innerSteps.has(done)) {
          const point = await evaluate(epoch + done / steps, config.evalLimit);
          state.points.push(point);
          progress.line(
            `  epoch ${(epoch + done / steps).toFixed(2)}: val top-1 err ${
              (100 * point.valTop1Err).toFixed(2)
            }%`,
          );
        }
        if (stopNow && done < steps) {
          const [correct1] = await correctAcc.toArray();
          lossAcc.dispose();
          correctAcc.dispose();
          const seconds = (performance.now() - started) / 1000;
          await save({ ...state, step: done, lossSum, correct: correct1, epochSeconds: elapsed, seconds });
          progress.line(
            `stopped in epoch ${epoch + 1} at step ${done}/${steps}; checkpoint saved, resume with --resume`,
          );
          return { epochs: state.epochs, points: state.points, seconds, resumedFrom, interrupted: true };
        }
      }
    }
    const [lossSum] = await lossAcc.toArray();
    const [correct1] = await correctAcc.toArray();
    lossAcc.dispose();
    correctAcc.dispose();
    const trainSeconds = (performance.now() - epochStart) / 1000;
    const point = await evaluate(epoch + 1);
    state.points.push(point);
    const record: EpochRecord = {
      epoch: epoch + 1,
      lr: state.schedule.lr,
      trainLoss: lossSum / steps,
      trainTop1Err: 1 - correct1 / (steps * config.batchSize),
      valTop1Err: point.valTop1Err,
      valTop5Err: point.valTop5Err,
      seconds: trainSeconds,
      imagesPerSecond: (steps * config.batchSize) / trainSeconds,
    };
    state.epochs.push(record);
    progress.line(
      `epoch ${epoch + 1}/${config.epochs}  lr ${record.lr.toExponential(1)}  train loss ${
        record.trainLoss.toFixed(4)
      }  ` +
        `train err ${(100 * record.trainTop1Err).toFixed(2)}%  val top-1 ${
          (100 * record.valTop1Err).toFixed(2)
        }%  ` +
        `top-5 ${(100 * record.valTop5Err).toFixed(2)}%  ${record.imagesPerSecond.toFixed(0)} img/s  ` +
        `${formatDuration(trainSeconds)}`,
    );
    state = {
      ...state,
      epoch: epoch + 1,
      step: 0,
      schedule: advance(config.schedule, state.schedule, epoch, point.valTop1Err),
      lossSum: 0,
      correct: 0,
      seen: 0,
      epochSeconds: 0,
      seconds: (performance.now() - started) / 1000,
    };
    await save(state);
    if (hooks.stopSignal?.requested) {
      return {
        epochs: state.epochs,
        points: state.points,
        seconds: state.seconds,
        resumedFrom,
        interrupted: true,
      };
    }
  }
  return {
    epochs: state.epochs,
    points: state.points,
    seconds: state.seconds,
    resumedFrom,
    interrupted: false,
  };
}
