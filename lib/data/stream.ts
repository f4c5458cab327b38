/**
 * Sets streamed from disk (an ImageNet-style folder at full size): training batches decoded by the worker pool
 * a bounded number of steps ahead, so the adapter is not kept waiting and memory does not grow with the set, and
 * small decoded samples (centre crops) for what needs pixels in memory (the mean and colour basis, mean
 * responses, audits). Every random choice of a batch is drawn here on the main thread from the same per-step
 * generator as an in-memory batch, so a streamed batch too is a pure function of (seed, epoch, step).
 */
import { colourShift, type PcaBasis, pcaFromCovariance } from "./augment.ts";
import { checkImageSet, type ImageSet, spreadIndices, type StreamedSet } from "./dataset.ts";
import type { DecodePool } from "./decode_pool.ts";
import type { CropSpec } from "./image_ops.ts";
import type { Batch, BatchRecipe } from "./batch.ts";
import { Rng } from "../rng.ts";
import { hash2 } from "../util/hash.ts";

/** Batch `step` of an epoch whose order is `order`, decoded from the set's files. */
export async function streamedBatch(
  set: StreamedSet,
  order: number[],
  epoch: number,
  step: number,
  r: BatchRecipe,
  pool: DecodePool,
): Promise<Batch> {
  const rng = new Rng(hash2(hash2(r.seed, epoch), step));
  const { crop, scale, flip } = r.augment;
  const per = 3 * crop * crop;
  const jobs: Promise<{ data: Float32Array }>[] = [];
  const labels = new Array<number>(r.batchSize);
  for (let i = 0; i < r.batchSize; i++) {
    const index = order[step * r.batchSize + i];
    // The same draws, in the same order, as augmentInto: side, position, flip, colour.
    const side = scale[0] + rng.int(scale[1] - scale[0] + 1);
    const spec: CropSpec = { side, crop, mode: "draw", fy: rng.uniform(), fx: rng.uniform(), flip: false };
    spec.flip = flip && rng.uniform() < 0.5;
    spec.shift = colourShift(r.pca, r.augment.pcaStd, 3, rng);
    jobs.push(pool.run({ kind: "crops", path: set.files[index], side, norm: r.norm, crops: [spec] }));
    labels[i] = set.labels[index];
  }
  const dropoutSeed = rng.nextU32();
  const x = new Float32Array(r.batchSize * per);
  (await Promise.all(jobs)).forEach((d, i) => x.set(d.data, i * per));
  return { x, labels, dropoutSeed };
}

/**
 * Streamed batches of one epoch, decoded up to `ahead` steps in advance: at most `ahead` + 1 batches are held
 * or in flight at any time, whatever the size of the set.
 */
export class BatchPrefetch {
  private pending = new Map<number, Promise<Batch>>();
  private epoch = -1;

  constructor(
    private readonly make: (order: number[], epoch: number, step: number) => Promise<Batch>,
    private readonly steps: number,
    private readonly ahead = 2,
  ) {}

  async batch(order: number[], epoch: number, step: number): Promise<Batch> {
    if (epoch !== this.epoch) {
      this.drop();
      this.epoch = epoch;
    }
    for (let s = step; s <= Math.min(step + this.ahead, this.steps - 1); s++) {
      if (!this.pending.has(s)) this.pending.set(s, this.make(order, epoch, s));
    }
    const batch = this.pending.get(step)!;
    this.pending.delete(step);
    for (const s of this.pending.keys()) if (s < step) this.pending.delete(s);
    return await batch;
  }

  /** Forgets batches decoded ahead (an epoch's end, a stop): their failures no longer matter. */
  drop(): void {
    for (const p of this.pending.values()) p.catch(() => {});
    this.pending.clear();
  }
}

/**
 * Centre crops of `count` images spread over the set (all of them in a smaller set), decoded at shorter side
 * `side` and held as uint8: for the training mean and colour basis, and for measurements that need a fixed batch
 * of pixels in memory.
 */
export async function sampleSet(
  set: StreamedSet,
  count: number,
  side: number,
  crop: number,
  pool: DecodePool,
): Promise<ImageSet> {
  const indices = spreadIndices(set.count, count);
  const per = 3 * crop * crop;
  const pixels = new Uint8Array(indices.length * per);
  const raw = { mean: [0, 0, 0], scale: 1 };
  const spec: CropSpec = { side, crop, mode: "place", fy: 0.5, fx: 0.5, flip: false };
  // In chunks, so the floats in flight stay bounded for a large sample.
  for (let start = 0; start < indices.length; start += 256) {
    const chunk = indices.slice(start, start + 256);
    const decoded = await Promise.all(
      chunk.map((i) => pool.run({ kind: "crops", path: set.files[i], side, norm: raw, crops: [spec] })),
    );
    decoded.forEach((d, j) => {
      const dst = (start + j) * per;
      for (let k = 0; k < per; k++) pixels[dst + k] = Math.round(d.data[k]);
    });
  }
  return checkImageSet({
    name: `${set.name}[${indices.length} centre crops ${crop} of ${side}]`,
    pixels,
    labels: Uint16Array.from(indices, (i) => set.labels[i]),
    count: indices.length,
    channels: 3,
    height: crop,
    width: crop,
    classes: set.classes,
    source: set.source,
  });
}

/**
 * Per-channel mean and colour basis (AlexNet's PCA) of a streamed training set, from centre crops of `count`
 * images spread over it, accumulated chunk by chunk so no sample is held.
 */
export async function streamedStats(
  set: StreamedSet,
  count: number,
  side: number,
  crop: number,
  pool: DecodePool,
): Promise<{ mean: number[]; pca: PcaBasis; images: number }> {
  const indices = spreadIndices(set.count, count);
  const plane = crop * crop;
  const sum = [0, 0, 0];
  const outer = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  let pixels = 0;
  const raw = { mean: [0, 0, 0], scale: 1 };
  const spec: CropSpec = { side, crop, mode: "place", fy: 0.5, fx: 0.5, flip: false };
  for (let start = 0; start < indices.length; start += 64) {
    const chunk = indices.slice(start, start + 64);
    const decoded = await Promise.all(
      chunk.map((i) => pool.run({ kind: "crops", path: set.files[i], side, norm: raw, crops: [spec] })),
    );
    for (const { data } of decoded) {
      for (let p = 0; p < plane; p++) {
        const v = [data[p], data[plane + p], data[2 * plane + p]];
        for (let a = 0; a < 3; a++) {
          sum[a] += v[a];
          for (let b = 0; b < 3; b++) outer[a][b] += v[a] * v[b];
        }
      }
      pixels += plane;
    }
  }
  const mean = sum.map((s) => s / pixels);
  const cov = outer.map((row, a) => row.map((v, b) => v / pixels - mean[a] * mean[b]));
  return { mean, pca: pcaFromCovariance(cov), images: indices.length };
}
