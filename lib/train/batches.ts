/**
 * Training batches as pure functions of (seed, epoch, step): the epoch's image order, each image's augmentation
 * and the step's dropout masks all come from hashes of those three numbers, so a run resumed at any step sees
 * exactly the batches an uninterrupted run would have.
 */
import { augmentInto } from "../data/augment.ts";
import { type DataSet, type ImageSet, isStreamed } from "../data/dataset.ts";
import { decodePool } from "../data/decode_pool.ts";
import { BatchPrefetch, streamedBatch } from "../data/stream.ts";
import { Rng } from "../rng.ts";
import { hash2 } from "../util/hash.ts";

export type { Batch, BatchRecipe } from "../data/batch.ts";
import type { Batch, BatchRecipe } from "../data/batch.ts";

/** The image order of one epoch: a seeded shuffle of the whole set. */
export function epochOrder(seed: number, epoch: number, count: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  new Rng(hash2(seed, 0xe90c + epoch)).shuffle(order);
  return order;
}

/**
 * A stratified epoch order: each class's images in shuffled order, spread evenly over the epoch (image k of a
 * class of n sits at (k + 1/2) / n, classes at the same place in an order drawn once per epoch), so every batch
 * holds each class within one image of its share (with 10 equal classes, any 10 images in a row are one of each); a
 * uniform shuffle gives a batch of 64 from 10 classes 6.4 +- 2.4 images of each. Exact shares keep the mean
 * label of every batch the same, so its gradient does not shift all logits together from batch to batch.
 */
export function balancedEpochOrder(seed: number, epoch: number, labels: ArrayLike<number>): number[] {
  const rng = new Rng(hash2(seed, 0xba1a + epoch));
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const keyed: { index: number; key: number; tie: number }[] = [];
  for (const list of byClass.values()) {
    rng.shuffle(list);
    const tie = rng.uniform();
    list.forEach((index, k) => keyed.push({ index, key: (k + 0.5) / list.length, tie }));
  }
  return keyed.sort((a, b) => a.key - b.key || a.tie - b.tie).map((e) => e.index);
}

/** Whole batches per epoch (the last partial batch of an epoch is dropped, as Caffe's data layer does). */
export function stepsPerEpoch(set: DataSet, batchSize: number): number {
  const steps = Math.floor(set.count / batchSize);
  if (steps < 1) {
    throw new Error(`training set of ${set.count} images is smaller than one batch (${batchSize})`);
  }
  return steps;
}

/** Batch `step` of an epoch whose order is `order`. */
export function makeBatch(
  set: ImageSet,
  order: number[],
  epoch: number,
  step: number,
  r: BatchRecipe,
): Batch {
  const rng = new Rng(hash2(hash2(r.seed, epoch), step));
  const { channels } = set;
  const crop = r.augment.crop;
  const per = channels * crop * crop;
  const x = new Float32Array(r.batchSize * per);
  const labels = new Array<number>(r.batchSize);
  for (let i = 0; i < r.batchSize; i++) {
    const index = order[step * r.batchSize + i];
    augmentInto(set, index, r.augment, r.norm, r.pca, rng, x, i * per);
    labels[i] = set.labels[index];
  }
  return { x, labels, dropoutSeed: rng.nextU32() };
}

/** Where a run's batches come from: computed on the spot from memory, or decoded ahead from disk. */
export interface BatchSource {
  batch(order: number[], epoch: number, step: number, steps: number): Promise<Batch>;
  /** Forgets batches decoded ahead. */
  drop(): void;
}

export function batchSource(set: DataSet, r: BatchRecipe): BatchSource {
  if (!isStreamed(set)) {
    return {
      batch: (order, epoch, step) => Promise.resolve(makeBatch(set, order, epoch, step, r)),
      drop() {},
    };
  }
  let prefetch: BatchPrefetch | null = null;
  let stepsOf = -1;
  return {
    batch(order, epoch, step, steps) {
      if (!prefetch || steps !== stepsOf) {
        prefetch?.drop();
        stepsOf = steps;
        prefetch = new BatchPrefetch((o, e, s) => streamedBatch(set, o, e, s, r, decodePool()), steps);
      }
      return prefetch.batch(order, epoch, step);
    },
    drop: () => prefetch?.drop(),
  };
}
