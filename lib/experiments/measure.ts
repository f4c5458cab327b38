/**
 * Measurements the experiments share: test scores under the paper's protocols (stored beside the model, so an
 * experiment that reuses a model reuses its scores), per-image correctness for paired tests, learned PReLU
 * slopes, and the mean responses and Fisher-information proxy of every rectifier layer.
 */
import { centreBatch, type ViewName } from "../data/augment.ts";
import { type DataSet, type ImageSet, spreadIndices, subset } from "../data/dataset.ts";
import type { Network } from "../models/network.ts";
import * as ops from "../ops.ts";
import { noGrad, Tensor, tidy } from "../tensor.ts";
import { type EvalResult, evaluateDense, evaluateViews, topkFromScores } from "../train/evaluate.ts";
import type { LoadedData } from "./data.ts";
import { storedScores, type TrainedModel } from "./model_store.ts";
import type { RunContext } from "./registry.ts";

/** A test protocol: crops (centre or 10-view) at one scale, or dense multi-scale; on `limit` images or all. */
export type Protocol =
  | { kind: "views"; views: ViewName; side: number; crop: number; limit?: number }
  | { kind: "dense"; scales: number[]; crop: number; limit?: number };

export type Scored = EvalResult & { scores: Float32Array; labels: number[] };

/** The images a protocol with `limit` uses: spread evenly over the set (all of them without a limit). */
export function protocolSet<S extends DataSet>(set: S, limit?: number): S {
  return limit && limit < set.count
    ? subset(set, spreadIndices(set.count, limit), `${set.name}[${limit}]`)
    : set;
}

/** Softmax scores of a trained model on `split` under `protocol`, computed once and stored beside the model. */
export async function scoresOn(
  ctx: RunContext,
  model: TrainedModel,
  data: LoadedData<DataSet>,
  split: "test" | "val",
  protocol: Protocol,
): Promise<Scored> {
  // A pipeline check (--eval-images) bounds every protocol, the centre crop on the whole set included.
  const bound = ctx.overrides?.evalImages;
  if (bound !== undefined) protocol = { ...protocol, limit: Math.min(protocol.limit ?? bound, bound) };
  const set = protocolSet(data[split], protocol.limit);
  const r = await storedScores(
    ctx,
    model,
    { protocol, split, set: set.name, count: set.count },
    () =>
      protocol.kind === "views"
        ? evaluateViews(model.net, set, {
          ...protocol,
          limit: undefined,
          norm: data.norm,
          batchSize: 250,
          keepScores: true,
        })
        : evaluateDense(model.net, set, {
          ...protocol,
          limit: undefined,
          norm: data.norm,
          batchSize: 100,
          keepScores: true,
        }),
  );
  return { ...r, labels: Array.from(set.labels) };
}

/** Per image: whether the true class is among the top k scores. */
export function correctness(scored: Scored, classes: number, k: 1 | 5): boolean[] {
  return scored.labels.map((label, i) => {
    const row = scored.scores.subarray(i * classes, (i + 1) * classes);
    const s = row[label];
    let rank = 0;
    for (let j = 0; j < classes; j++) if (row[j] > s || (row[j] === s && j < label)) rank++;
    return rank < k;
  });
}

/** Equal-weight average of score matrices over the same images, with its errors. */
export function averageScores(members: Scored[], classes: number): Scored {
  const scores = new Float32Array(members[0].scores.length);
  for (const m of members) for (let i = 0; i < scores.length; i++) scores[i] += m.scores[i] / members.length;
  const { top1, top5 } = topkFromScores(scores, members[0].labels, classes);
  const count = members[0].labels.length;
  return { top1Err: 1 - top1 / count, top5Err: 1 - top5 / count, count, scores, labels: members[0].labels };
}

/** Learned slope per rectifier layer (the shared value, or the channel-wise mean), and every channel's. */
export async function readSlopes(net: Network): Promise<{ perLayer: Record<string, number>; all: number[] }> {
  const perLayer: Record<string, number> = {};
  const all: number[] = [];
  for (const r of net.rectifiers) {
    if (!r.slopes) continue;
    const values = await r.slopes.tensor.toArray();
    perLayer[r.name.replace(/\.act$/, "")] = values.reduce((a, b) => a + b, 0) / values.length;
    if (values.length > 1) all.push(...values);
  }
  return { perLayer, all };
}

export interface Responses {
  /** Mean response E[f] of each rectifier layer. */
  mean: Record<string, number>;
  /** Fisher proxy of each fc layer: the mean over j != j' of |E[f_j] E[f_j']| (ICCV Eq. 5-6). */
  fisher: Record<string, number>;
}

/** Mean responses and the fc Fisher proxy on a fixed batch of centre crops (no gradient). */
export async function responses(
  net: Network,
  set: ImageSet,
  norm: LoadedData["norm"],
  crop: number,
  images: number,
) {
  const indices = spreadIndices(set.count, images);
  const count = indices.length;
  const x = centreBatch(set, indices, set.height, crop, norm);
  return await tidy(async (): Promise<Responses> => {
    const taps = new Map<string, Tensor>();
    noGrad(() =>
      net.forward(Tensor.fromArray(net.backend, x, [count, set.channels, crop, crop]), {
        training: false,
        seed: 0,
        taps,
      })
    );
    const mean: Record<string, number> = {};
    const fisher: Record<string, number> = {};
    for (const [name, t] of taps) {
      mean[name] = await ops.mean(t).item();
      if (!name.startsWith("fc")) continue;
      const units = t.shape[1];
      const perUnit = await new Tensor(
        t.backend,
        t.backend.channelSum(t.storage, count, units, 1, 1 / count, "sum"),
        [units],
      ).toArray();
      const sumAbs = perUnit.reduce((a, v) => a + Math.abs(v), 0);
      const sumSq = perUnit.reduce((a, v) => a + v * v, 0);
      fisher[name] = (sumAbs * sumAbs - sumSq) / (units * (units - 1));
    }
    return { mean, fisher };
  });
}

/** A net's conv1 filters, for the filter picture. */
export async function filters(net: Network): Promise<{ values: Float64Array; shape: readonly number[] }> {
  const w = net.convs[0].weight.tensor;
  return { values: await w.toArray(), shape: w.shape };
}

/** RMS of conv1's weight gradient on a fixed batch (dropout off); leaves no gradients behind. */
export async function conv1GradRms(net: Network, x: Float32Array, labels: number[]): Promise<number> {
  tidy(() =>
    ops.softmaxCrossEntropy(
      net.forward(Tensor.fromArray(net.backend, x, [labels.length, ...net.spec.input]), {
        training: false,
        seed: 0,
      }),
      Tensor.fromArray(net.backend, labels, [labels.length]),
    ).backward()
  );
  const g = await net.convs[0].weight.tensor.grad!.toArray();
  for (const p of net.parameters()) {
    p.tensor.grad?.dispose();
    p.tensor.grad = null;
  }
  return Math.sqrt(g.reduce((a, v) => a + v * v, 0) / g.length);
}

/**
 * A training probe recording, at every evaluation point, conv1's gradient RMS on `images` validation images and
 * its weights' RMS (times the weight decay, the pull that a vanishing gradient loses against).
 */
export function conv1GradProbe(data: LoadedData, side: number, crop: number, images: number) {
  const indices = spreadIndices(data.val.count, images);
  const x = centreBatch(data.val, indices, side, crop, data.norm);
  const labels = indices.map((i) => data.val.labels[i]);
  return (net: Network) => async () => {
    const w = await net.convs[0].weight.tensor.toArray();
    return {
      conv1GradRms: await conv1GradRms(net, x, labels),
      conv1WeightRms: Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length),
    };
  };
}
