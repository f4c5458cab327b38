/**
 * Shards: one trained net of an experiment, named by experiment, tier, variant and seed. Every tier trains its nets
 * through here; at the published tiers (long) each finished net's weights (safetensors, PyTorch's names) and its
 * measurements (JSON) are written under results/<experiment>/<tier>/shards/, and the experiment's result is
 * aggregated from those files alone. A published shard is read instead of trained when it was made from the same
 * configuration and data and the engine still computes the same numbers (its first SGD steps give bit-identical
 * parameters); otherwise it is trained again, never mixed in. `--shard <name>` trains that one net only.
 */
import type { Environment } from "../util/environment.ts";
import { environment } from "../util/environment.ts";
import { codeFingerprint } from "../util/fingerprint.ts";
import { exists, sha256Hex, writeFileAtomic, writeJsonAtomic } from "../util/fs.ts";
import { type NetSpec, Network } from "../models/network.ts";
import { Rng } from "../rng.ts";
import { configKey, train, type TrainConfig } from "../train/trainer.ts";
import type { EpochRecord, EvalPoint } from "../train/records.ts";
import { resultDir } from "../results/result.ts";
import {
  dataSalt,
  gpuBackend,
  InterruptedError,
  storedModelPath,
  type TrainedModel,
  trainNetwork,
  type TrainRequest,
} from "./model_store.ts";
import { encodeSafetensors, namedWeights } from "./publish.ts";
import { type Experiment, overridesText, type RunContext, type Tier } from "./registry.ts";

/** Tiers whose shards are published (committed) and aggregated from their files. */
export const PUBLISHED_TIERS: readonly Tier[] = ["long"];

export interface ShardPlan<M> {
  variant: string;
  seed: number;
  request: TrainRequest;
  /** Measures the trained net (it may change its parameters: the published weights are read before). */
  measure: (model: TrainedModel) => Promise<M>;
}

export interface ShardTraining {
  steps: number;
  epochs: EpochRecord[];
  points: EvalPoint[];
  seconds: number;
  converged: boolean;
  batch: number;
  microBatch: number;
}

export interface ShardRecord<M> {
  schema: 1;
  name: string;
  experiment: string;
  tier: Tier;
  variant: string;
  seed: number;
  model: {
    label: string;
    /** The configuration, network and data (not the code): what a reader of the shard must match. */
    configKey: string;
    /** A hash of the parameters after the run's first SGD steps: the engine's numbers, not its source. */
    numerics: string;
    codeFingerprint: string;
    git: Environment["git"];
    adapter: string;
    /** The architecture (what bench/torch_model.py builds to load the weights) and the training recipe. */
    spec: NetSpec;
    config: TrainConfig;
  };
  training: ShardTraining;
  /** The published weights beside this file (null below the published tiers). */
  weights: { file: string; sha256: string; bytes: number } | null;
  measurements: M;
}

export function shardName(expId: string, tier: string, variant: string, seed: number): string {
  return `${expId}-${tier}-${variant}-seed${seed}`;
}

export function shardDir(outDir: string, expId: string, tier: string): string {
  return `${resultDir(outDir, expId, tier)}/shards`;
}

/** The command that trains one shard, as `shards` prints it. */
export function shardCommand(expId: string, tier: string, name: string): string {
  return `./rectifiers exp ${expId} --tier ${tier} --shard ${name}`;
}

/** SGD steps the numerics probe takes. */
const PROBE_STEPS = 2;

/**
 * The engine's numbers for a plan: the parameters after the first PROBE_STEPS steps of the plan's own run (its
 * seed, batches and augmentation), hashed. Code that computes the same numbers gives the same hash.
 */
export async function numericsProbe(req: TrainRequest): Promise<string> {
  const net = new Network(req.spec, await gpuBackend(), new Rng(req.config.seed));
  const config = {
    ...req.config,
    maxSteps: PROBE_STEPS,
    evalPoints: 0,
    evalLimit: 1,
    epochEvalLimit: 1,
    converge: undefined,
  };
  await train(net, req.data.train, req.data.val, config, { progress: "none", log: () => {} });
  const hash = await parameterHash(net);
  net.dispose();
  return hash;
}

/** A hash of every parameter's bits: equal after the same steps only where the arithmetic is the same. */
export async function parameterHash(net: Network): Promise<string> {
  const parts = [];
  for (const p of net.parameters()) parts.push(sha256Hex(new Uint8Array((await p.tensor.toArray()).buffer)));
  return sha256Hex(parts.join("")).slice(0, 16);
}

/** A published shard's record as committed (not checked against the code: its experiment's run does that). */
export function readShard<M>(
  outDir: string,
  expId: string,
  tier: string,
  variant: string,
  seed: number,
): Promise<ShardRecord<M> | null> {
  return readPublished<M>(`${shardDir(outDir, expId, tier)}/${shardName(expId, tier, variant, seed)}.json`);
}

/** A published shard's record at `path`, or null where none is published; unreadable JSON is an error. */
export async function readPublished<M>(path: string): Promise<ShardRecord<M> | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    return JSON.parse(text) as ShardRecord<M>;
  } catch (e) {
    throw new Error(
      `published shard ${path} is not valid JSON (${(e as Error).message}): delete it to retrain`,
    );
  }
}

/**
 * Trains (or reads) every plan's shard; returns their records in plan order, or null when --shard restricted the
 * run to one net and others are still missing (nothing to aggregate yet).
 */
export async function runShards<M>(
  ctx: RunContext,
  exp: Experiment,
  plans: ShardPlan<M>[],
): Promise<ShardRecord<M>[] | null> {
  const names = plans.map((p) => shardName(exp.id, ctx.tier, p.variant, p.seed));
  if (ctx.shard && !names.includes(ctx.shard)) {
    throw new Error(
      `${exp.id} has no shard ${ctx.shard} at tier ${ctx.tier}; its shards: ${names.join(", ")} ` +
        `(or list them all with: ./rectifiers shards --tier ${ctx.tier})`,
    );
  }
  // A pipeline check (--max-steps, --batch, --eval-images) is not a measurement: it never publishes, nor reads.
  const published = PUBLISHED_TIERS.includes(ctx.tier) && overridesText(ctx.overrides) === null;
  if (ctx.publishedOnly && !published) {
    throw new Error(
      `${exp.id}: only the published shards of tier ${PUBLISHED_TIERS.join(", ")} can be read alone`,
    );
  }
  const dir = shardDir(ctx.outDir, exp.id, ctx.tier);
  const records: ShardRecord<M>[] = [];
  let missing = 0;
  for (const [i, plan] of plans.entries()) {
    const name = names[i];
    const chosen = !ctx.shard || ctx.shard === name;
    const key = configKey(plan.request.config, plan.request.spec, dataSalt(plan.request));
    // The probe is two SGD steps: run at most once per plan, for the staleness check and the training's key.
    let probed: Promise<string> | null = null;
    const probe = () => (probed ??= numericsProbe(plan.request));
    if (published) {
      const stored = await readPublished<M>(`${dir}/${name}.json`);
      const why = stored ? await staleness(stored, key, probe) : "none published yet";
      if (why === null && !ctx.retrain) {
        ctx.log(`-- shard ${name}: published, read from ${dir}/${name}.json`);
        records.push(stored!);
        continue;
      }
      if (ctx.publishedOnly && stored) {
        throw new Error(
          `published shard ${name} no longer stands for its net: ${why}; train it again with ` +
            `./rectifiers exp ${exp.id} --tier ${ctx.tier} --shard ${name}`,
        );
      }
      if (ctx.publishedOnly) {
        ctx.log(`-- shard ${name}: not published yet`);
        missing++;
        continue;
      }
      if (!chosen) {
        missing++;
        continue;
      }
      ctx.log(`-- shard ${name}: training (${ctx.retrain ? "--retrain" : why})`);
    } else if (!chosen) {
      missing++;
      continue;
    }
    records.push(await trainShard(ctx, exp, plan, name, key, published ? { dir, probe } : null));
  }
  if (missing) {
    ctx.log(
      `${exp.id}: ${records.length} of ${plans.length} shards done at tier ${ctx.tier}; the result is aggregated ` +
        "once every shard is (list them with ./rectifiers shards)",
    );
    return null;
  }
  return records;
}

/**
 * Trains a published shard's net, resuming from its checkpoint in the model store or, on a machine without it,
 * from the committed piece `<base>.partial.ckpt`; a stopped run (Ctrl-C, SIGTERM) leaves its checkpoint there,
 * to be committed, so the next piece resumes it on any machine. The piece is removed once the net is trained.
 */
async function trainInPieces(
  ctx: RunContext,
  exp: Experiment,
  req: TrainRequest,
  base: string,
): Promise<TrainedModel> {
  const store = storedModelPath(ctx, req);
  const piece = `${base}.partial.ckpt`;
  if (!(await exists(store)) && (await exists(piece))) {
    await Deno.mkdir(store.slice(0, store.lastIndexOf("/")), { recursive: true });
    await writeFileAtomic(store, await Deno.readFile(piece));
    ctx.log(`   resuming from the committed piece ${piece}`);
  }
  try {
    const model = await trainNetwork({ ...ctx, resume: true }, exp, req);
    await Deno.remove(piece).catch(() => {});
    return model;
  } catch (e) {
    if (e instanceof InterruptedError && (await exists(store))) {
      await writeFileAtomic(piece, await Deno.readFile(store));
      ctx.log(`   checkpoint kept as ${piece}: commit it, and the next piece resumes from it`);
      throw new InterruptedError(
        `${exp.id}: interrupted during ${req.label}; run the same command again to resume it (a shard resumes ` +
          "by itself, here from the model store, elsewhere from the committed piece)",
      );
    }
    throw e;
  }
}

/** Why a published shard cannot stand for the plan (null: it can). */
async function staleness<M>(
  stored: ShardRecord<M>,
  key: string,
  probe: () => Promise<string>,
): Promise<string | null> {
  if (stored.schema !== 1) return `its schema ${stored.schema} is not 1`;
  if (stored.model.configKey !== key) return "published from another configuration or data";
  const numerics = await probe();
  if (stored.model.numerics !== numerics) {
    return `the engine now computes other numbers (probe ${numerics}, published ${stored.model.numerics})`;
  }
  return null;
}

async function trainShard<M>(
  ctx: RunContext,
  exp: Experiment,
  plan: ShardPlan<M>,
  name: string,
  key: string,
  publish: { dir: string; probe: () => Promise<string> } | null,
): Promise<ShardRecord<M>> {
  const dir = publish?.dir ?? null;
  const numerics = publish ? await publish.probe() : "";
  const model = dir
    ? await trainInPieces(ctx, exp, { ...plan.request, engine: `numerics ${numerics}` }, `${dir}/${name}`)
    : await trainNetwork(ctx, exp, plan.request);
  const weights = dir ? await namedWeights(model.net) : null;
  const measurements = await plan.measure(model);
  model.net.dispose();
  const env = await environment(await gpuBackend());
  const r = model.result;
  const record: ShardRecord<M> = {
    schema: 1,
    name,
    experiment: exp.id,
    tier: ctx.tier,
    variant: plan.variant,
    seed: plan.seed,
    model: {
      label: plan.request.label,
      configKey: key,
      numerics,
      codeFingerprint: codeFingerprint(),
      git: env.git,
      adapter: env.adapter.description,
      spec: plan.request.spec,
      config: plan.request.config,
    },
    training: {
      steps: r.steps,
      epochs: r.epochs,
      points: r.points,
      seconds: r.seconds,
      converged: r.converged,
      batch: r.batch,
      microBatch: r.microBatch,
    },
    weights: null,
    measurements,
  };
  if (dir && weights) {
    const bytes = encodeSafetensors(weights, { shard: name, model: plan.request.spec.name, format: "pt" });
    await writeFileAtomic(`${dir}/${name}.safetensors`, bytes);
    record.weights = { file: `${name}.safetensors`, sha256: sha256Hex(bytes), bytes: bytes.length };
    await writeJsonAtomic(`${dir}/${name}.json`, record);
    ctx.log(`   published ${dir}/${name}.safetensors and .json`);
  }
  return record;
}
