/**
 * Training augmentation and test-time views, as the paper describes them, scaled to any image size:
 * scale jittering (resize so the side is s, s uniform in [min, max]), a random crop, a horizontal flip with
 * probability 1/2, AlexNet's PCA colour altering, and mean subtraction. Everything is drawn from the Rng passed
 * in, so a batch is a pure function of (seed, epoch, step).
 */
import { type ImageSet, imageSize } from "./dataset.ts";
import { resizeBilinear } from "./decode.ts";
import type { Rng } from "../rng.ts";

export interface Normalization {
  /** Per-channel mean of the training pixels (0..255). */
  mean: number[];
  /** Multiplies (pixel - mean); 1 keeps the paper's raw [-128, 128] range. */
  scale: number;
}

export interface PcaBasis {
  /** Eigenvalues of the channel covariance (0..255 units squared). */
  values: number[];
  /** Eigenvectors as columns: vectors[c][k] is channel c of eigenvector k. */
  vectors: number[][];
}

export interface AugmentConfig {
  /** Side of the square crop fed to the network. */
  crop: number;
  /** Range of the side the image is resized to before cropping; [n, n] for none. */
  scale: [number, number];
  flip: boolean;
  /** Std of AlexNet's lighting coefficients (0.1 in AlexNet); 0 turns it off. */
  pcaStd: number;
}

/** Per-channel mean over a set. */
export function channelMean(set: ImageSet): number[] {
  const plane = set.height * set.width;
  const sums = new Array(set.channels).fill(0);
  for (let i = 0; i < set.count; i++) {
    for (let c = 0; c < set.channels; c++) {
      const base = (i * set.channels + c) * plane;
      let s = 0;
      for (let p = 0; p < plane; p++) s += set.pixels[base + p];
      sums[c] += s;
    }
  }
  return sums.map((s) => s / (set.count * plane));
}

/** Eigen-decomposition of the channel covariance (Jacobi rotations; exact enough for 3x3). */
export function pcaBasis(set: ImageSet, sampleStride = 7): PcaBasis {
  const C = set.channels;
  const plane = set.height * set.width;
  const mean = channelMean(set);
  const cov = Array.from({ length: C }, () => new Array(C).fill(0));
  let n = 0;
  for (let i = 0; i < set.count; i++) {
    for (let p = i % sampleStride; p < plane; p += sampleStride) {
      for (let a = 0; a < C; a++) {
        const va = set.pixels[(i * C + a) * plane + p] - mean[a];
        for (let b = 0; b < C; b++) cov[a][b] += va * (set.pixels[(i * C + b) * plane + p] - mean[b]);
      }
      n++;
    }
  }
  for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) cov[a][b] /= n;
  return jacobiEigen(cov);
}

/** The colour basis of a channel covariance matrix (0..255 units squared). */
export function pcaFromCovariance(cov: number[][]): PcaBasis {
  return jacobiEigen(cov);
}

function jacobiEigen(m: number[][]): PcaBasis {
  const n = m.length;
  const a = m.map((r) => [...r]);
  const v: number[][] = Array.from(
    { length: n },
    (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-30) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((r, i) => Math.max(r[i], 0)), vectors: v };
}

/**
 * Writes one augmented training image into `out` at `offset` (C x crop x crop floats).
 */
export function augmentInto(
  set: ImageSet,
  index: number,
  cfg: AugmentConfig,
  norm: Normalization,
  pca: PcaBasis | null,
  rng: Rng,
  out: Float32Array,
  offset: number,
): void {
  const { channels: C, height: H, width: W } = set;
  const src = set.pixels.subarray(index * imageSize(set), (index + 1) * imageSize(set));
  const side = cfg.scale[0] + rng.int(cfg.scale[1] - cfg.scale[0] + 1);
  // Resize so the shorter side is `side` (square images here: both sides).
  const rh = Math.round((H * side) / Math.min(H, W));
  const rw = Math.round((W * side) / Math.min(H, W));
  const img = rh === H && rw === W ? Float32Array.from(src) : resizeBilinear(src, C, H, W, rh, rw);
  const top = rng.int(rh - cfg.crop + 1);
  const left = rng.int(rw - cfg.crop + 1);
  const flip = cfg.flip && rng.uniform() < 0.5;
  const shift = colourShift(pca, cfg.pcaStd, C, rng);
  writeCrop(img, C, rh, rw, top, left, cfg.crop, flip, norm, shift, out, offset);
}

/** AlexNet's PCA colour altering: one shift per channel (0..255 units), drawn from `rng`; zeros when off. */
export function colourShift(pca: PcaBasis | null, std: number, channels: number, rng: Rng): number[] {
  const shift = new Array(channels).fill(0);
  if (!pca || std <= 0) return shift;
  const alphas = pca.values.map(() => std * rng.normal());
  for (let c = 0; c < channels; c++) {
    // AlexNet's shift, sum_k p_k alpha_k lambda_k, with lambda from pixels scaled to [0, 1] (as the common
    // implementations do), brought back to 0..255 units: lambda_255 / 255.
    for (let k = 0; k < channels; k++) shift[c] += (pca.vectors[c][k] * alphas[k] * pca.values[k]) / 255;
  }
  return shift;
}

function writeCrop(
  img: ArrayLike<number>,
  C: number,
  h: number,
  w: number,
  top: number,
  left: number,
  crop: number,
  flip: boolean,
  norm: Normalization,
  shift: number[],
  out: Float32Array,
  offset: number,
): void {
  for (let c = 0; c < C; c++) {
    const sub = norm.mean[c] - shift[c];
    for (let y = 0; y < crop; y++) {
      const row = (c * h + top + y) * w + left;
      const dst = offset + (c * crop + y) * crop;
      for (let x = 0; x < crop; x++) {
        out[dst + x] = (img[row + (flip ? crop - 1 - x : x)] - sub) * norm.scale;
      }
    }
  }
}

export type ViewName = "center" | "ten";

/** (top, left, flip) of each test view of a crop from an h x w image: centre, or AlexNet's 10 views. */
export function viewOffsets(
  h: number,
  w: number,
  crop: number,
  views: ViewName,
): [number, number, boolean][] {
  const center: [number, number] = [Math.floor((h - crop) / 2), Math.floor((w - crop) / 2)];
  if (views === "center") return [[...center, false]];
  const spots: [number, number][] = [[0, 0], [0, w - crop], [h - crop, 0], [h - crop, w - crop], center];
  return [
    ...spots.map(([t, l]): [number, number, boolean] => [t, l, false]),
    ...spots.map(([t, l]): [number, number, boolean] => [t, l, true]),
  ];
}

/**
 * One test view of a batch of images: images resized so the shorter side is `side`, then the crop at
 * (top, left), flipped if asked. Returns N x C x crop x crop floats.
 */
export function viewBatch(
  set: ImageSet,
  indices: number[],
  side: number,
  crop: number,
  view: [number, number, boolean],
  norm: Normalization,
): Float32Array {
  const { channels: C, height: H, width: W } = set;
  const out = new Float32Array(indices.length * C * crop * crop);
  const rh = Math.round((H * side) / Math.min(H, W));
  const rw = Math.round((W * side) / Math.min(H, W));
  const zero = new Array(C).fill(0);
  indices.forEach((index, i) => {
    const src = set.pixels.subarray(index * imageSize(set), (index + 1) * imageSize(set));
    const img = rh === H && rw === W ? src : resizeBilinear(src, C, H, W, rh, rw);
    writeCrop(img, C, rh, rw, view[0], view[1], crop, view[2], norm, zero, out, i * C * crop * crop);
  });
  return out;
}

/** The centre view of a batch, placed as viewOffsets places it (an odd margin's extra pixel after the crop). */
export function centreBatch(
  set: ImageSet,
  indices: number[],
  side: number,
  crop: number,
  norm: Normalization,
): Float32Array {
  const short = Math.min(set.height, set.width);
  const [h, w] = [set.height, set.width].map((d) => Math.round((d * side) / short));
  return viewBatch(set, indices, side, crop, viewOffsets(h, w, crop, "center")[0], norm);
}

/** Whole images resized to `side` (for dense evaluation), optionally flipped: N x C x side x side. */
export function wholeBatch(
  set: ImageSet,
  indices: number[],
  side: number,
  flip: boolean,
  norm: Normalization,
) {
  return viewBatch(set, indices, side, side, [0, 0, flip], norm);
}
