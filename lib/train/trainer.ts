/**
 * The training loop: SGD with momentum and weight-decay masks, dropout, a learning-rate schedule, per-epoch
 * records and evaluation points spread over the run. A run may be a fraction of an epoch or several; every batch
 * is a pure function of (seed, epoch, step) (lib/train/batches.ts), so a run resumed from a checkpoint, taken at
 * an epoch end or mid-epoch on Ctrl-C, continues exactly as the uninterrupted run would have. Loss and accuracy
 * accumulate on the device and are read every `readEvery` steps; a NaN or Inf stops the run, keeping the last
 * good checkpoint. The parts: batches.ts (data), step.ts (one SGD step), run_state.ts (resume and checkpoints),
 * calibrate.ts (a fresh run's data-dependent classifier start, where the config asks for one).
 */
import type { AugmentConfig, Normalization, PcaBasis, ViewName } from "../data/augment.ts";
import type { DataSet } from "../data/dataset.ts";
import type { NetSpec, Network } from "../models/network.ts";
import { Sgd } from "../optim.ts";
import { sha256Hex } from "../util/fs.ts";
import { balancedEpochOrder, batchSource, epochOrder, stepsPerEpoch } from "./batches.ts";
import { scaleClassifier } from "./calibrate.ts";
import { evaluateViews } from "./evaluate.ts";
import { formatDuration, Progress, type ProgressMode, type StepStatus } from "./progress.ts";
import { freshState, restoreState, saveState, type TrainState } from "./run_state.ts";
import { advance, type ConvergeRule, hasConverged, type ScheduleSpec, warmedRate } from "./schedule.ts";
import { Accumulators, checkFinite, sgdStep } from "./step.ts";
import type { EpochRecord, EvalPoint } from "./records.ts";

export { NonFiniteLossError } from "./step.ts";

export interface TrainConfig {
  /** Epochs to train; a fraction of an epoch trains that share of its steps. */
  epochs: number;
  batchSize: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleSpec;
  augment: AugmentConfig;
  norm: Normalization;
  pca: PcaBasis | null;
  seed: number;
  /** Validation protocol at every evaluation point (the paper's curves use centre-crop error). */
  val: { views: ViewName; side: number; crop: number; batchSize: number };
  /** Evaluation points spread evenly over the run, besides its start and its end. */
  evalPoints: number;
  /**
   * Further points spread evenly inside the run's first tenth, so its record tells when a net left the chance
   * plateau to a finer grain than a tenth (absent: none).
   */
  earlyEvalPoints?: number;
  /** Validation images used at the points inside the run (all of them at its end). */
  evalLimit?: number;
  /** Validation images at the ends of epochs: all of them unless a pipeline check bounds it (--eval-images). */
  epochEvalLimit?: number;
  /** Steps between loss readbacks (progress and the NaN/Inf guard). */
  readEvery: number;
  /** Stops the run after this many SGD steps (a pipeline check, --max-steps), whatever `epochs` says. */
  maxSteps?: number;
  /** Batches hold the classes in their shares of the set (balancedEpochOrder) instead of a uniform shuffle. */
  balancedBatches?: boolean;
  /** A fresh run first rescales the classifier so its logits start at this spread (lib/train/calibrate.ts). */
  classifierLogitStd?: number;
  /** Stop before `epochs` once converged by this rule (absent: train all `epochs`). */
  converge?: ConvergeRule;
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
  /**
   * Images per forward/backward pass, the gradients of a batch's slices summed before its one update (exact:
   * no batch statistics). Not part of the checkpoint's key: a run may resume on an adapter that splits otherwise.
   */
  microBatch?: number;
  /** Called whenever the epoch's running mean loss is read (every `readEvery` steps): for studies of a run. */
  onStep?: (status: StepStatus) => void;
}

export type { EpochRecord, EvalPoint } from "./records.ts";

export interface TrainResult {
  epochs: EpochRecord[];
  points: EvalPoint[];
  /** SGD steps of the whole run (fewer than the configuration's when it converged early). */
  steps: number;
  /** Stopped because converged by the configuration's rule (lib/train/schedule.ts hasConverged). */
  converged: boolean;
  seconds: number;
  /** Where this process started, when it resumed. */
  resumedFrom: { epoch: number; step: number } | null;
  /** True when stopped (Ctrl-C / hook) before finishing; a checkpoint holds the state. */
  interrupted: boolean;
  /** Images per SGD step, and per forward/backward pass (less when the batch was split into micro-batches). */
  batch: number;
  microBatch: number;
}

/** What a checkpoint must match to be resumed: the configuration, the network and the caller's salt. */
export function configKey(config: TrainConfig, spec: NetSpec, salt = ""): string {
  return sha256Hex(JSON.stringify({ config, spec, salt }));
}

/** The steps of a run: `epochs` (possibly fractional) times the whole batches per epoch, at least one. */
export function totalSteps(config: TrainConfig, trainSet: DataSet): number {
  const steps = Math.max(1, Math.round(config.epochs * stepsPerEpoch(trainSet, config.batchSize)));
  return config.maxSteps ? Math.min(steps, config.maxSteps) : steps;
}

/** Epochs a run goes through (the last one possibly partial): a checkpoint at this epoch is a finished run. */
export function epochsToRun(config: TrainConfig, trainSet: DataSet): number {
  return Math.ceil(totalSteps(config, trainSet) / stepsPerEpoch(trainSet, config.batchSize));
}

/**
 * The global steps (after which) the run evaluates inside itself: `points` spread over the run and `early` more
 * inside its first tenth. Epoch ends evaluate anyway.
 */
export function evalSteps(total: number, points: number, perEpoch: number, early = 0): Set<number> {
  const at = new Set<number>();
  const add = (s: number) => {
    if (s > 0 && s < total && s % perEpoch !== 0) at.add(s);
  };
  for (let i = 1; i <= early; i++) add(Math.round((i * total) / (10 * (early + 1))));
  for (let i = 1; i <= points; i++) add(Math.round((i * total) / (points + 1)));
  return at;
}

export async function train(
  net: Network,
  trainSet: DataSet,
  valSet: DataSet,
  config: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const log = hooks.log ?? console.log;
  const progress = new Progress(hooks.progress ?? "auto", log);
  const sgd = new Sgd(net.parameters(), {
    lr: config.schedule.base,
    momentum: config.momentum,
    weightDecay: config.weightDecay,
  });
  const key = configKey(config, net.spec, hooks.keySalt);
  const perEpoch = stepsPerEpoch(trainSet, config.batchSize);
  const total = totalSteps(config, trainSet);
  const epochCount = Math.ceil(total / perEpoch);
  const inner = evalSteps(total, config.evalPoints, perEpoch, config.earlyEvalPoints);
  const restored = hooks.resume ? await restoreState(hooks.checkpointPath ?? null, key, net, sgd, log) : null;
  let state: TrainState = restored ?? freshState(key, config.schedule);
  const microBatch = Math.min(hooks.microBatch ?? config.batchSize, config.batchSize);
  const batches = batchSource(trainSet, config);
  const resumedFrom = restored ? { epoch: state.epoch, step: state.step } : null;

  let started = performance.now() - state.seconds * 1000;
  const evaluate = async (step: number, limit?: number): Promise<EvalPoint> => {
    const t0 = performance.now();
    const trainSeconds = (t0 - started) / 1000 - state.evalSeconds;
    const r = await evaluateViews(net, valSet, { ...config.val, norm: config.norm, limit });
    const epoch = step / perEpoch;
    const point: EvalPoint = { epoch, step, trainSeconds, valTop1Err: r.top1Err, valTop5Err: r.top5Err };
    if (hooks.probe) point.probe = await hooks.probe(epoch);
    state.evalSeconds += (performance.now() - t0) / 1000;
    return point;
  };
  const finish = (interrupted: boolean): TrainResult => ({
    epochs: state.epochs,
    points: state.points,
    steps: state.converged ? state.epoch * perEpoch : total,
    converged: state.converged ?? false,
    seconds: state.seconds,
    resumedFrom,
    interrupted,
    batch: config.batchSize,
    microBatch,
  });

  if (state.epoch === 0 && state.step === 0 && state.points.length === 0) {
    if (config.classifierLogitStd !== undefined) {
      await scaleClassifier(net, trainSet, config.val, config.norm, config.classifierLogitStd);
    }
    state.points.push(await evaluate(0, config.evalLimit));
    started = performance.now() - state.evalSeconds * 1000;
  }
  try {
    while (state.epoch * perEpoch < total && !state.converged) {
      const epoch = state.epoch;
      const steps = Math.min(perEpoch, total - epoch * perEpoch);
      sgd.options.lr = state.schedule.lr;
      const order = config.balancedBatches
        ? balancedEpochOrder(config.seed, epoch, trainSet.labels)
        : epochOrder(config.seed, epoch, trainSet.count);
      const acc = new Accumulators(net.backend, state.lossSum, state.correct);
      const epochStart = performance.now() - state.epochSeconds * 1000;
      const resumeSeen = state.seen;
      /** Checkpoints the epoch's state with `step` steps done and returns (Ctrl-C, a hook, SIGTERM). */
      const stopAt = async (
        step: number,
        lossSum: number,
        epochSeconds: number,
        where: "after" | "between",
      ) => {
        const correct = await acc.correct();
        acc.dispose();
        state = {
          ...state,
          step,
          lossSum,
          correct,
          epochSeconds,
          seconds: (performance.now() - started) / 1000,
        };
        await saveState(hooks.checkpointPath ?? null, state, net, sgd);
        progress.line(
          where === "after"
            ? `stopped in epoch ${epoch + 1} at step ${step}/${steps}; checkpoint saved, resume with --resume`
            : `stopped in epoch ${epoch + 1} during step ${step + 1}/${steps}, between micro-batches; ` +
              "checkpoint saved before that step, resume with --resume",
        );
        return finish(true);
      };
      for (let step = state.step; step < steps; step++) {
        const batch = await batches.batch(order, epoch, step, steps);
        sgd.options.lr = warmedRate(config.schedule, state.schedule.lr, epoch * perEpoch + step);
        const taken = await sgdStep(
          net,
          sgd,
          batch,
          trainSet.channels,
          config.augment.crop,
          acc,
          microBatch,
          microBatch < config.batchSize ? hooks.stopSignal : undefined,
        );
        if (!taken) {
          // Stopped between micro-batches: the step is not taken, so the checkpoint is the state before it.
          return await stopAt(step, await acc.loss(), (performance.now() - epochStart) / 1000, "between");
        }
        state.seen += config.batchSize;
        const done = step + 1;
        const global = epoch * perEpoch + done;
        const stopNow = hooks.afterStep?.(epoch, step) === "stop" || hooks.stopSignal?.requested === true;
        if (done % config.readEvery !== 0 && done !== steps && !inner.has(global) && !stopNow) continue;
        const lossSum = await acc.loss();
        checkFinite(lossSum, epoch, done, hooks.checkpointPath ?? null, acc);
        const elapsed = (performance.now() - epochStart) / 1000;
        const rate = (state.seen - resumeSeen) / Math.max(elapsed - state.epochSeconds, 1e-9);
        const status: StepStatus = {
          epoch,
          epochs: epochCount,
          step: done,
          steps,
          loss: lossSum / done,
          imagesPerSecond: rate,
          etaSeconds: (total - global) * config.batchSize / rate,
        };
        progress.step(status);
        hooks.onStep?.(status);
        if (inner.has(global)) {
          const point = await evaluate(global, config.evalLimit);
          state.points.push(point);
          progress.line(
            `  epoch ${point.epoch.toFixed(2)}: val top-1 err ${(100 * point.valTop1Err).toFixed(2)}%`,
          );
        }
        if (stopNow && done < steps) return await stopAt(done, lossSum, elapsed, "after");
      }
      const lossSum = await acc.loss();
      const correct = await acc.correct();
      acc.dispose();
      const trainSeconds = (performance.now() - epochStart) / 1000;
      const point = await evaluate(epoch * perEpoch + steps, config.epochEvalLimit);
      state.points.push(point);
      const record: EpochRecord = {
        epoch: epoch + steps / perEpoch,
        lr: state.schedule.lr,
        trainLoss: lossSum / steps,
        trainTop1Err: 1 - correct / (steps * config.batchSize),
        valTop1Err: point.valTop1Err,
        valTop5Err: point.valTop5Err,
        seconds: trainSeconds,
        imagesPerSecond: (steps * config.batchSize) / trainSeconds,
      };
      state.epochs.push(record);
      progress.line(epochLine(record, epochCount, trainSeconds));
      const schedule = advance(config.schedule, state.schedule, epoch, point.valTop1Err);
      const converged = hasConverged(
        config.schedule,
        config.converge,
        schedule,
        state.epochs.map((e) => e.valTop1Err),
      );
      if (converged) progress.line(`converged after epoch ${epoch + 1}`);
      state = {
        ...state,
        ...(converged ? { converged } : {}),
        epoch: epoch + 1,
        step: 0,
        schedule,
        lossSum: 0,
        correct: 0,
        seen: 0,
        epochSeconds: 0,
        seconds: (performance.now() - started) / 1000,
      };
      await saveState(hooks.checkpointPath ?? null, state, net, sgd);
      if (hooks.stopSignal?.requested) return finish(true);
    }
  } finally {
    // Batches decoded ahead and the momentum buffers are no longer wanted, whatever ended the run.
    batches.drop();
    sgd.dispose();
  }
  return finish(false);
}

function epochLine(r: EpochRecord, epochs: number, seconds: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  return `epoch ${Math.ceil(r.epoch - 1e-9)}/${epochs} (${r.epoch.toFixed(2)})  lr ${
    r.lr.toExponential(1)
  }  ` +
    `train loss ${r.trainLoss.toFixed(4)}  train err ${pct(r.trainTop1Err)}  val top-1 ${
      pct(r.valTop1Err)
    }  ` +
    `top-5 ${pct(r.valTop5Err)}  ${r.imagesPerSecond.toFixed(0)} img/s  ${formatDuration(seconds)}`;
}
