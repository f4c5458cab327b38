/**
 * Evaluation with the paper's test protocols, batched on the device: centre crop, 10-view (AlexNet's 4 corners
 * and centre, plus flips), and dense multi-scale testing (the conv trunk on the whole resized image, SPP over
 * every window of the last conv map the size of the training one, scores averaged over windows, flips and
 * scales). Softmax scores are averaged; top-1/top-5 counts stay on the device until the end.
 */
import { type ImageSet, spreadIndices } from "../data/dataset.ts";
import { type Normalization, viewBatch, type ViewName, viewOffsets, wholeBatch } from "../data/augment.ts";
import type { Network } from "../models/network.ts";
import * as ops from "../ops.ts";
import { noGrad, Tensor, tidy } from "../tensor.ts";

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

/** Runs `scoreBatch` per batch (it returns summed scores and the number of views summed), then counts. */
async function evaluateWith(
  net: Network,
  set: ImageSet,
  opts: EvalOptions,
  scoreBatch: (indices: number[]) => { sum: Tensor; views: number },
): Promise<EvalResult> {
  const backend = net.backend;
  // A limited evaluation takes images spread over the whole set (sets are often stored class by class).
  const chosen = spreadIndices(set.count, opts.limit ?? set.count);
  const count = chosen.length;
  const classes = set.classes.length;
  const scores = opts.keepScores ? new Float32Array(count * classes) : undefined;
  let counts = Tensor.zeros(backend, [2]);
  for (let start = 0; start < count; start += opts.batchSize) {
    const indices = chosen.slice(start, start + opts.batchSize);
    const labels = Array.from(indices, (i) => set.labels[i]);
    const { next, mean } = tidy(() =>
      noGrad(() => {
        const { sum, views } = scoreBatch(indices);
        const correct = ops.topkCorrect(sum, Tensor.fromArray(backend, labels, [labels.length]), 5);
        return { next: ops.add(counts, correct), mean: scores ? ops.scale(sum, 1 / views) : null };
      })
    );
    if (scores && mean) scores.set(Float32Array.from(await mean.toArray()), start * classes);
    mean?.dispose();
    counts.dispose();
    counts = next;
  }
  const [top1, top5] = await counts.toArray();
  counts.dispose();
  return { top1Err: 1 - top1 / count, top5Err: 1 - top5 / count, count, scores };
}

/** Centre-crop or 10-view testing on images resized so the shorter side is `side`. */
export async function evaluateViews(
  net: Network,
  set: ImageSet,
  opts: EvalOptions & { views: ViewName; side: number; crop: number },
): Promise<EvalResult> {
  const offsets = viewOffsets(
    Math.round((set.height * opts.side) / Math.min(set.height, set.width)),
    Math.round((set.width * opts.side) / Math.min(set.height, set.width)),
    opts.crop,
    opts.views,
  );
  const C = set.channels;
  return await evaluateWith(net, set, opts, (indices) => {
    let sum: Tensor | null = null;
    for (const view of offsets) {
      const x = Tensor.fromArray(
        net.backend,
        viewBatch(set, indices, opts.side, opts.crop, view, opts.norm),
        [
          indices.length,
          C,
          opts.crop,
          opts.crop,
        ],
      );
      const probs = ops.softmax(net.forward(x, EVAL_CTX));
      sum = sum ? ops.add(sum, probs) : probs;
    }
    return { sum: sum!, views: offsets.length };
  });
}

/**
 * Dense testing at one or more scales: for each scale s, the trunk runs on the whole image resized to s (and on
 * its mirror), and every window of the trunk's output the size of the training map (stride 1) is pooled by
 * SPP and scored by the fc layers. All windows, flips and scales are averaged with equal weights.
 */
export async function evaluateDense(
  net: Network,
  set: ImageSet,
  opts: EvalOptions & { scales: number[]; crop: number },
): Promise<EvalResult> {
  if (!net.sppLevels) throw new Error(`${net.spec.name}: dense testing needs an SPP layer`);
  const trainMap = net.features(
    Tensor.zeros(net.backend, [1, set.channels, opts.crop, opts.crop]),
    EVAL_CTX,
  );
  const [win] = trainMap.shape.slice(2);
  trainMap.dispose();
  return await evaluateWith(net, set, opts, (indices) => {
    let sum: Tensor | null = null;
    let views = 0;
    for (const side of opts.scales) {
      for (const flip of [false, true]) {
        const x = Tensor.fromArray(net.backend, wholeBatch(set, indices, side, flip, opts.norm), [
          indices.length,
          set.channels,
          side,
          side,
        ]);
        const map = net.features(x, EVAL_CTX);
        const [mh, mw] = map.shape.slice(2);
        const wh = Math.min(win, mh);
        const ww = Math.min(win, mw);
        for (let top = 0; top + wh <= mh; top++) {
          for (let left = 0; left + ww <= mw; left++) {
            const probs = ops.softmax(net.head(map, EVAL_CTX, { top, left, height: wh, width: ww }));
            sum = sum ? ops.add(sum, probs) : probs;
            views++;
          }
        }
      }
    }
    return { sum: sum!, views };
  });
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
