/**
 * The model store: the backend, where a trained model lives (keyed by its configuration, network, code and
 * data), training a network with the run's checkpointing, resume, progress and Ctrl-C, and the test scores stored
 * beside a model.
 */
import { WebGpuBackend } from "../webgpu/backend.ts";
import type { DataSet } from "../data/dataset.ts";
import { getEngine } from "../webgpu/engine.ts";
import { largestPerImageBytes, type NetSpec, Network } from "../models/network.ts";
import { Rng } from "../rng.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import {
  configKey,
  epochsToRun,
  train,
  type TrainConfig,
  type TrainHooks,
  type TrainResult,
} from "../train/trainer.ts";
import type { SavedState } from "../train/run_state.ts";
import { codeFingerprint } from "../util/fingerprint.ts";
import { readChecked, writeChecked } from "../util/checked_file.ts";
import { sha256Hex } from "../util/fs.ts";
import type { EvalResult } from "../train/evaluate.ts";
import { cacheRoot } from "../util/paths.ts";
import { withClaim } from "../util/lock.ts";
import type { LoadedData } from "./data.ts";
import type { Experiment, RunContext } from "./registry.ts";
import { microBatchFor } from "../train/step.ts";

let backend: WebGpuBackend | null = null;

export async function gpuBackend(): Promise<WebGpuBackend> {
  backend ??= new WebGpuBackend(await getEngine());
  return backend;
}

export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterruptedError";
  }
}

/**
 * Where a trained model lives: models are shared between experiments (ensemble and transfer reuse the models
 * of models-abc), so the label names the model, not the experiment. The file name ends in the model's key
 * (configuration, network, code and data, batch and step limit included), so a model of another configuration
 * (a pipeline check with --max-steps, another --batch, another folder of the same name) gets a file of its own
 * and never replaces a finished one. Every configuration's model is kept: delete what is no longer needed.
 */
export function checkpointPath(ctx: RunContext, label: string, key: string): string {
  return `${modelDir(ctx)}/${safeLabel(label)}-${key.slice(0, 16)}.ckpt`;
}

function modelDir(ctx: RunContext): string {
  return `${cacheRoot()}/models/${ctx.tier}`;
}

const safeLabel = (label: string) => label.replace(/[^a-zA-Z0-9._-]+/g, "_");

/** Stored models of `label` under other keys: what a --resume of another configuration leaves alone. */
function otherConfigurations(ctx: RunContext, label: string, path: string): string[] {
  try {
    const prefix = `${safeLabel(label)}-`;
    return [...Deno.readDirSync(modelDir(ctx))].map((e) => e.name).filter((n) =>
      n.startsWith(prefix) && /^[0-9a-f]{16}\.ckpt$/.test(n.slice(prefix.length)) && !path.endsWith(`/${n}`)
    );
  } catch {
    return [];
  }
}

export interface TrainRequest {
  /** Unique name of the model (see checkpointPath). */
  label: string;
  spec: NetSpec;
  config: TrainConfig;
  data: LoadedData<DataSet>;
  probe?: (net: Network) => TrainHooks["probe"];
  /** Sets parameters before training (fine-tuning from another model); `from` names that model's key. */
  start?: { from: string; apply: (net: Network) => Promise<void> };
  /**
   * What stands for the code in the model's key (absent: the code's fingerprint). Shards of the published tiers
   * pass the engine's numbers (lib/experiments/shards.ts numericsProbe), so an edit that computes the same
   * numbers resumes a run of hours instead of starting it again.
   */
  engine?: string;
}

/**
 * What a model depends on besides its configuration and the code: the exact training images, a start. Never the
 * data's path (a set's source names it): a clone elsewhere, or CI's checkout, must find the same published nets.
 */
export function dataSalt(req: TrainRequest): string {
  const t = req.data.train;
  return `${t.name} ${t.count} ${req.data.fingerprint}` +
    (req.start ? ` from ${req.start.from}` : "");
}

/** The model depends on the code and on the exact training images as well as on the configuration. */
function modelSalt(req: TrainRequest): string {
  return `${req.engine ?? codeFingerprint()} ${dataSalt(req)}`;
}

/** Where the model store keeps the request's model and its checkpoints. */
export function storedModelPath(ctx: RunContext, req: TrainRequest): string {
  return checkpointPath(ctx, req.label, configKey(req.config, req.spec, modelSalt(req)));
}

/**
 * Builds a network for a seed and trains it with the run's checkpointing, resume, progress and Ctrl-C. A model
 * whose training already finished with the same configuration, network and code (lib/ and kernels/) is loaded
 * instead of trained again, unless --retrain; an unfinished one continues only with --resume.
 */
export async function trainNetwork(
  ctx: RunContext,
  exp: Pick<Experiment, "id">,
  req: TrainRequest,
): Promise<TrainedModel> {
  const net = new Network(req.spec, await gpuBackend(), new Rng(req.config.seed));
  const salt = modelSalt(req);
  const key = configKey(req.config, req.spec, salt);
  const path = checkpointPath(ctx, req.label, key);
  // One process trains a model at a time; a second one needing it waits and then loads it.
  return await withClaim(`${path}.lock`, req.label, ctx.log, async () => {
    const saved = await storedCheckpoint(ctx, path);
    const finished = saved?.state.configKey === key &&
      (saved.state.epoch >= epochsToRun(req.config, req.data.train) || saved.state.converged === true) &&
      !ctx.retrain;
    const resume = finished || (ctx.resume && saved?.state.configKey === key);
    if (ctx.resume && !saved) {
      const others = otherConfigurations(ctx, req.label, path);
      if (others.length) {
        ctx.log(
          `   no checkpoint of this configuration of ${req.label} (batch, steps, data or code differ from ` +
            `${others.join(", ")}, which are kept): training it from scratch`,
        );
      }
    }
    ctx.log(
      `-- ${req.label}: ${req.spec.name}, seed ${req.config.seed}` +
        (finished ? ` (trained earlier, loaded from ${path}; --retrain trains it again)` : ""),
    );
    if (req.start && !resume) await req.start.apply(net);
    const result = await train(net, req.data.train, req.data.val, req.config, {
      checkpointPath: path,
      resume,
      keySalt: salt,
      progress: ctx.progress,
      log: finished ? () => {} : ctx.log,
      stopSignal: ctx.stopSignal,
      probe: req.probe?.(net),
      microBatch: ctx.overrides.microBatch ??
        microBatchFor(largestPerImageBytes(req.spec), req.config.batchSize, net.backend.maxBindingBytes()),
    });
    if (result.interrupted) {
      throw new InterruptedError(
        `${exp.id}: interrupted during ${req.label}; run again with --resume to continue`,
      );
    }
    return { net, result, reused: finished, label: req.label, key };
  });
}

/**
 * The state of a stored model or checkpoint; null when there is none. A damaged one (truncated, bit-flipped,
 * not a checkpoint) is reported with its path, then either stops the run (--on-corrupt stop, the default) or is
 * trained again from scratch (--on-corrupt retrain).
 */
export async function storedCheckpoint(ctx: RunContext, path: string): Promise<{ state: SavedState } | null> {
  try {
    return await loadCheckpoint<SavedState>(path);
  } catch (e) {
    const what = `stored model ${path} is damaged (${(e as Error).message})`;
    if (ctx.onCorrupt !== "retrain") {
      throw new Error(
        `${what}. Run again with --on-corrupt retrain to train it again from scratch, or delete it.`,
      );
    }
    ctx.log(`   WARNING: ${what}: training it again from scratch (--on-corrupt retrain)`);
    await Deno.remove(path).catch(() => {});
    return null;
  }
}

export interface TrainedModel {
  net: Network;
  result: TrainResult;
  /** Loaded from an earlier finished training rather than trained now. */
  reused: boolean;
  label: string;
  /** The stored model's key (configuration, network, code, data). */
  key: string;
}

const SCORES_MAGIC = "RECTIFIERS-SCORES-2";

/**
 * Test scores of a trained model under one protocol, computed once and stored beside the model (models-abc
 * computes them, ensemble reads them). `protocol` must name everything that determines the scores.
 */
export async function storedScores(
  ctx: RunContext,
  model: TrainedModel,
  protocol: Record<string, unknown>,
  compute: () => Promise<EvalResult>,
): Promise<EvalResult & { scores: Float32Array }> {
  const tag = sha256Hex(JSON.stringify(protocol)).slice(0, 12);
  const path = `${checkpointPath(ctx, model.label, model.key)}.${tag}.scores`;
  const key = sha256Hex(JSON.stringify({ model: model.key, protocol }));
  const stored = await readScores(path, key, ctx.log);
  if (stored && !ctx.retrain) return stored;
  const r = await compute();
  if (!r.scores) throw new Error(`storedScores: the evaluation of ${model.label} kept no scores`);
  const payload = new Uint8Array(r.scores.buffer, r.scores.byteOffset, r.scores.byteLength);
  await writeChecked(path, SCORES_MAGIC, { key, top1Err: r.top1Err, top5Err: r.top5Err, count: r.count }, [
    payload,
  ]);
  return { ...r, scores: r.scores };
}

/**
 * Stored scores made for `key`, or null: absent, made for another model or protocol, or damaged (a checksum or
 * length that does not match is reported and the scores are computed again).
 */
async function readScores(
  path: string,
  key: string,
  log: (s: string) => void,
): Promise<(EvalResult & { scores: Float32Array }) | null> {
  try {
    const read = await readChecked<{ key: string; top1Err: number; top5Err: number; count: number }>(
      path,
      SCORES_MAGIC,
    );
    if (!read || read.fields.key !== key) return null;
    const { top1Err, top5Err, count } = read.fields;
    return { top1Err, top5Err, count, scores: new Float32Array(read.payload.slice().buffer) };
  } catch (e) {
    log(`   stored scores ${path} are damaged: ${(e as Error).message}; computing them again`);
    return null;
  }
}
