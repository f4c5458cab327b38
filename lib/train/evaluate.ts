/**
 * Evaluation with the paper's test protocols, batched on the device: centre crop, 10-view (AlexNet's 4 corners
 * and centre, plus flips), and dense multi-scale testing (the conv trunk on the whole resized image, SPP over
 * every window of the last conv map the size of the training one, scores averaged over windows, flips and
 * scales). Softmax scores are averaged; top-1/top-5 counts stay on the device until the end. A streamed set
 * (lib/data/stream.ts) is decoded by the worker pool one batch ahead of the device; dense testing takes it one
 * image at a time, as images of different aspect make maps of different sizes.
 */
import { type DataSet, isStreamed, spreadIndices, type StreamedSet } from "../data/dataset.ts";
import { type Normalization, viewBatch, type ViewName, viewOffsets, wholeBatch } from "../data/augment.ts";
import { decodePool } from "../data/decode_pool.ts";
import { viewSpecs } from "../data/image_ops.ts";
import { largestPerImageBytes, type Network } from "../models/network.ts";
import * as ops from "../ops.ts";
import { noGrad, Tensor, tidy } from "../tensor.ts";
import type { SppWindow } from "../geometry.ts";

export interface EvalResult {
  top1Err: number;
  top5Err: number;
  count: number;
  /** Averaged softmax scores [count x classes], when asked for (ensembles, per-class analysis). */
  scores?: Float32Array;
}

export interface EvalOptions {
  norm: Normalization;
  batchSize: number;
  /** Evaluate `limit` images only, spread evenly over the set; scores then follow that order. */
  limit?: number;
  keepScores?: boolean;
}

const EVAL_CTX = { training: false, seed: 0 };

/** Network inputs for a batch of images: one array per view (or per scale and flip), each [n, C, h, w]. */
type Inputs = { x: Float32Array; shape: number[] }[];

/**
 * Loads the inputs of each batch (the next one while the device works on this one), runs `score` on them (it
 * returns summed scores and the number of views summed), then counts.
 */
async function evaluateWith(
  net: Network,
  set: DataSet,
  opts: EvalOptions,
  load: (indices: number[]) => Promise<Inputs>,
  score: (inputs: Inputs) => { sum: Tensor; views: number },
): Promise<EvalResult> {
  const backend = net.backend;
  // A limited evaluation takes images spread over the whole set (sets are often stored class by class).
  const chosen = spreadIndices(set.count, opts.limit ?? set.count);
  const count = chosen.length;
  const classes = set.classes.length;
  const scores = opts.keepScores ? new Float32Array(count * classes) : undefined;
  // [top-1, top-5, non-finite scores]: a NaN score would otherwise count as a correct answer.
  let counts = Tensor.zeros(backend, [3]);
  const batchAt = (start: number) => chosen.slice(start, start + opts.batchSize);
  let next: Promise<Inputs> | null = load(batchAt(0));
  for (let start = 0; start < count; start += opts.batchSize) {
    const indices = batchAt(start);
    const inputs = await next!;
    next = start + opts.batchSize < count ? load(batchAt(start + opts.batchSize)) : null;
    const labels = Array.from(indices, (i) => set.labels[i]);
    const { sum, mean } = tidy(() =>
      noGrad(() => {
        const { sum: s, views } = score(inputs);
        const correct = ops.topkCorrect(s, Tensor.fromArray(backend, labels, [labels.length]), 5);
        const tally = ops.concatColumns([correct.reshape([1, 2]), ops.countNonFinite(s).reshape([1, 1])]);
        return { sum: ops.add(counts, tally.reshape([3])), mean: scores ? ops.scale(s, 1 / views) : null };
      })
    );
    if (scores && mean) scores.set(Float32Array.from(await mean.toArray()), start * classes);
    mean?.dispose();
    counts.dispose();
    counts = sum;
  }
  const [top1, top5, nonFinite] = await counts.toArray();
  counts.dispose();
  if (nonFinite > 0) {
    throw new ops.NonFiniteError(
      `evaluation of ${net.spec.name} on ${set.name}: ${nonFinite} scores are NaN or Inf, so no error rate can ` +
        "be given; the network's weights hold NaN/Inf or its activations overflow (a diverged training run?)",
    );
  }
  return { top1Err: 1 - top1 / count, top5Err: 1 - top5 / count, count, scores };
}

/** The batch, cut so that no tensor of a forward pass on inputs of `input` exceeds the adapter's binding limit. */
function fittingBatch(net: Network, batch: number, input: [number, number, number]): number {
  const perImage = largestPerImageBytes(net.spec, input);
  return Math.max(1, Math.min(batch, Math.floor(net.backend.maxBindingBytes() / perImage)));
}

/** Sums the softmax of the network's output over every input array. */
function sumViews(net: Network, inputs: Inputs): { sum: Tensor; views: number } {
  let sum: Tensor | null = null;
  for (const { x, shape } of inputs) {
    const probs = ops.softmax(net.forward(Tensor.fromArray(net.backend, x, shape), EVAL_CTX));
    sum = sum ? ops.add(sum, probs) : probs;
  }
  return { sum: sum!, views: inputs.length };
}

/** Test views of streamed images, decoded by the pool: one array per view, [n, 3, crop, crop]. */
async function streamedViews(
  set: StreamedSet,
  indices: number[],
  views: ViewName,
  side: number,
  crop: number,
  norm: Normalization,
): Promise<Inputs> {
  const specs = viewSpecs(views, side, crop);
  const per = 3 * crop * crop;
  const decoded = await Promise.all(
    indices.map((i) => decodePool().run({ kind: "crops", path: set.files[i], side, norm, crops: specs })),
  );
  return specs.map((_, v) => {
    const x = new Float32Array(indices.length * per);
    decoded.forEach((d, j) => x.set(d.data.subarray(v * per, (v + 1) * per), j * per));
    return { x, shape: [indices.length, 3, crop, crop] };
  });
}

/** Centre-crop or 10-view testing on images resized so the shorter side is `side`. */
export async function evaluateViews(
  net: Network,
  set: DataSet,
  opts: EvalOptions & { views: ViewName; side: number; crop: number },
): Promise<EvalResult> {
  opts = { ...opts, batchSize: fittingBatch(net, opts.batchSize, [net.spec.input[0], opts.crop, opts.crop]) };
  if (isStreamed(set)) {
    return await evaluateWith(
      net,
      set,
      opts,
      (indices) => streamedViews(set, indices, opts.views, opts.side, opts.crop, opts.norm),
      (inputs) => sumViews(net, inputs),
    );
  }
  const offsets = viewOffsets(
    Math.round((set.height * opts.side) / Math.min(set.height, set.width)),
    Math.round((set.width * opts.side) / Math.min(set.height, set.width)),
    opts.crop,
    opts.views,
  );
  const shape = (n: number) => [n, set.channels, opts.crop, opts.crop];
  return await evaluateWith(
    net,
    set,
    opts,
    (indices) =>
      Promise.resolve(offsets.map((view) => ({
        x: viewBatch(set, indices, opts.side, opts.crop, view, opts.norm),
        shape: shape(indices.length),
      }))),
    (inputs) => sumViews(net, inputs),
  );
}

/**
 * Dense testing at one or more scales: for each scale s, the trunk runs on the whole image resized to s (and on
 * its mirror), and every window of the trunk's output the size of the training map (stride 1) is pooled by
 * SPP and scored by the fc layers. All windows, flips and scales are averaged with equal weights.
 */
export async function evaluateDense(
  net: Network,
  set: DataSet,
  opts: EvalOptions & { scales: number[]; crop: number },
): Promise<EvalResult> {
  if (!net.sppLevels) throw new Error(`${net.spec.name}: dense testing needs an SPP layer`);
  const channels = net.spec.input[0];
  const trainMap = net.features(Tensor.zeros(net.backend, [1, channels, opts.crop, opts.crop]), EVAL_CTX);
  const [win] = trainMap.shape.slice(2);
  trainMap.dispose();
  const score = (inputs: Inputs) => {
    let sum: Tensor | null = null;
    let views = 0;
    for (const { x, shape } of inputs) {
      const map = net.features(Tensor.fromArray(net.backend, x, shape), EVAL_CTX);
      const [n, c, mh, mw] = map.shape;
      const wh = Math.min(win, mh);
      const ww = Math.min(win, mw);
      const windows: SppWindow[] = [];
      for (let top = 0; top + wh <= mh; top++) {
        for (let left = 0; left + ww <= mw; left++) windows.push({ top, left, height: wh, width: ww });
      }
      // The fc layers score many windows at once (one matrix product instead of one per window: at 480 px
      // model A has 289 windows, and fc1's 528 MB of weights would be read for each), as many as fit the
      // adapter's binding limit.
      const features = c * net.sppLevels!.reduce((a, l) => a + l * l, 0);
      const widest = Math.max(features, ...net.spec.layers.map((l) => (l.type === "fc" ? l.units : 0)));
      const perChunk = Math.max(1, Math.floor(net.backend.maxBindingBytes() / 2 / (4 * n * widest)));
      for (let first = 0; first < windows.length; first += perChunk) {
        const chunk = windows.slice(first, first + perChunk);
        const pooled = chunk.map((w) => net.pool(map, EVAL_CTX, w));
        // [n, k * features] viewed as [n * k, features]: row i * k + j is image i in window j.
        const rows = chunk.length === 1
          ? pooled[0]
          : ops.concatColumns(pooled).reshape([n * chunk.length, features]);
        const probs = ops.softmax(net.head(rows, EVAL_CTX, null, true));
        const summed = chunk.length === 1 ? probs : ops.matmul(windowSum(net, n, chunk.length), probs);
        sum = sum ? ops.add(sum, summed) : summed;
        views += chunk.length;
      }
    }
    return { sum: sum!, views };
  };
  if (isStreamed(set)) {
    // One image per batch, its mirror beside it: both are the same size.
    const load = async ([i]: number[]): Promise<Inputs> => {
      const scales = await Promise.all(
        opts.scales.map((side) =>
          decodePool().run({ kind: "whole", path: set.files[i], side, norm: opts.norm, flips: [false, true] })
        ),
      );
      return scales.flatMap(({ data, h, w }) =>
        [0, 1].map((f) => ({ x: data.subarray(f * 3 * h * w, (f + 1) * 3 * h * w), shape: [1, 3, h, w] }))
      );
    };
    return await evaluateWith(net, set, { ...opts, batchSize: 1 }, load, score);
  }
  const largest = Math.max(...opts.scales);
  opts = { ...opts, batchSize: fittingBatch(net, opts.batchSize, [channels, largest, largest]) };
  const load = (indices: number[]): Promise<Inputs> =>
    Promise.resolve(opts.scales.flatMap((side) =>
      [false, true].map((flip) => ({
        x: wholeBatch(set, indices, side, flip, opts.norm),
        shape: [indices.length, set.channels, side, side],
      }))
    ));
  return await evaluateWith(net, set, opts, load, score);
}

/** [n, n * k] with ones where column i * k + j (image i, window j) meets row i: sums each image's k rows. */
function windowSum(net: Network, n: number, k: number): Tensor {
  const g = new Float32Array(n * n * k);
  for (let i = 0; i < n; i++) g.fill(1, i * n * k + i * k, i * n * k + (i + 1) * k);
  return Tensor.fromArray(net.backend, g, [n, n * k]);
}

/** Equal-weight average of several models' score matrices, and its top-1/top-5 error. */
export function ensembleScores(
  members: Float32Array[],
  labels: ArrayLike<number>,
  classes: number,
): EvalResult {
  const count = labels.length;
  const scores = new Float32Array(count * classes);
  for (const m of members) for (let i = 0; i < scores.length; i++) scores[i] += m[i] / members.length;
  const { top1, top5 } = topkFromScores(scores, labels, classes);
  return { top1Err: 1 - top1 / count, top5Err: 1 - top5 / count, count, scores };
}

export function topkFromScores(scores: Float32Array, labels: ArrayLike<number>, classes: number) {
  let top1 = 0;
  let top5 = 0;
  for (let r = 0; r < labels.length; r++) {
    const label = labels[r];
    const s = scores[r * classes + label];
    let rank = 0;
    for (let j = 0; j < classes; j++) {
      const v = scores[r * classes + j];
      if (v > s || (v === s && j < label)) rank++;
    }
    if (rank < 1) top1++;
    if (rank < 5) top5++;
  }
  return { top1, top5 };
}

/** Per class: top-1 error of argmax(scores) over the images of that class. */
export function perClassError(scores: Float32Array, labels: ArrayLike<number>, classes: number): number[] {
  const wrong = new Array(classes).fill(0);
  const total = new Array(classes).fill(0);
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (scores[r * classes + j] > scores[r * classes + best]) best = j;
    total[labels[r]]++;
    if (best !== labels[r]) wrong[labels[r]]++;
  }
  return wrong.map((w, c) => (total[c] ? w / total[c] : 0));
}
