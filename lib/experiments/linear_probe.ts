/**
 * A linear probe of frozen features: the conv trunk of a trained net (through SPP) turns every image into a
 * feature vector, and a softmax regression with L2 decay is fitted to those on the CPU in float64 by full-batch
 * gradient descent with momentum (deterministic, a fixed number of steps). Only the features differ between two
 * probes, so comparing them isolates what the trunks learned.
 */
import { type Normalization, viewBatch } from "../data/augment.ts";
import type { ImageSet } from "../data/dataset.ts";
import type { Network } from "../models/network.ts";
import { noGrad, Tensor, tidy } from "../tensor.ts";

/** Centre-crop features of every image of a set: [count][features], through SPP. */
export async function features(
  net: Network,
  set: ImageSet,
  norm: Normalization,
  crop: number,
): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  const m = (set.height - crop) / 2;
  for (let start = 0; start < set.count; start += 250) {
    const idx = Array.from({ length: Math.min(250, set.count - start) }, (_, i) => start + i);
    const x = viewBatch(set, idx, set.height, crop, [m, m, false], norm);
    const f = await tidy(async () => {
      const t = noGrad(() =>
        net.features(Tensor.fromArray(net.backend, x, [idx.length, set.channels, crop, crop]), {
          training: false,
          seed: 0,
        }, true)
      );
      return await t.toArray();
    });
    const per = f.length / idx.length;
    for (let i = 0; i < idx.length; i++) out.push(f.slice(i * per, (i + 1) * per));
  }
  return out;
}

export interface Probe {
  /** Standardization of each feature (from the training features) and the fitted weights [classes][features + 1]. */
  mean: Float64Array;
  scale: Float64Array;
  weights: Float64Array[];
}

/** Fits the softmax regression: `steps` full-batch steps, learning rate 0.5, momentum 0.9, decay 1e-4. */
export function fitProbe(x: Float64Array[], labels: ArrayLike<number>, classes: number, steps = 300): Probe {
  const n = x.length;
  const d = x[0].length;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (const v of x) for (let j = 0; j < d; j++) mean[j] += v[j] / n;
  for (const v of x) for (let j = 0; j < d; j++) scale[j] += (v[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = 1 / Math.sqrt(scale[j] + 1e-8);
  const z = x.map((v) => Float64Array.from(v, (a, j) => (a - mean[j]) * scale[j]));
  const w = Array.from({ length: classes }, () => new Float64Array(d + 1));
  const vel = Array.from({ length: classes }, () => new Float64Array(d + 1));
  const grad = Array.from({ length: classes }, () => new Float64Array(d + 1));
  const p = new Float64Array(classes);
  for (let step = 0; step < steps; step++) {
    for (const g of grad) g.fill(0);
    for (let i = 0; i < n; i++) {
      softmaxInto(w, z[i], p);
      for (let c = 0; c < classes; c++) {
        const e = (p[c] - (labels[i] === c ? 1 : 0)) / n;
        const g = grad[c];
        for (let j = 0; j < d; j++) g[j] += e * z[i][j];
        g[d] += e;
      }
    }
    for (let c = 0; c < classes; c++) {
      for (let j = 0; j <= d; j++) {
        vel[c][j] = 0.9 * vel[c][j] + 0.5 * (grad[c][j] + (j < d ? 1e-4 * w[c][j] : 0));
        w[c][j] -= vel[c][j];
      }
    }
  }
  return { mean, scale, weights: w };
}

/** Per image: whether the probe's top class is the label. */
export function probeCorrect(probe: Probe, x: Float64Array[], labels: ArrayLike<number>): boolean[] {
  const classes = probe.weights.length;
  const p = new Float64Array(classes);
  return x.map((v, i) => {
    const z = Float64Array.from(v, (a, j) => (a - probe.mean[j]) * probe.scale[j]);
    softmaxInto(probe.weights, z, p);
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[c] > p[best]) best = c;
    return best === labels[i];
  });
}

function softmaxInto(w: Float64Array[], z: Float64Array, out: Float64Array): void {
  const d = z.length;
  let max = -Infinity;
  for (let c = 0; c < w.length; c++) {
    let s = w[c][d];
    for (let j = 0; j < d; j++) s += w[c][j] * z[j];
    out[c] = s;
    if (s > max) max = s;
  }
  let total = 0;
  for (let c = 0; c < w.length; c++) total += out[c] = Math.exp(out[c] - max);
  for (let c = 0; c < w.length; c++) out[c] /= total;
}
