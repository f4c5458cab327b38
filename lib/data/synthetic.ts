/**
 * A seeded synthetic image-classification set for tests: each class is a smooth random colour pattern; samples
 * are that pattern shifted by up to `jitter` pixels with Gaussian noise. Learnable by a tiny net in a few steps.
 */
import { checkImageSet, type ImageSet } from "./dataset.ts";
import { Rng } from "../rng.ts";

export function syntheticImages(opts: {
  count: number;
  classes?: number;
  size?: number;
  channels?: number;
  seed?: number;
  noise?: number;
  jitter?: number;
  name?: string;
}): ImageSet {
  const { count, classes = 4, size = 12, channels = 3, seed = 1, noise = 20, jitter = 1 } = opts;
  const patterns: Float64Array[] = [];
  for (let k = 0; k < classes; k++) {
    const rng = new Rng(1000 + k); // patterns depend on the class only, so train and test splits agree
    const p = new Float64Array(channels * size * size);
    const waves = Array.from({ length: 3 }, () => [rng.uniform() * 3, rng.uniform() * 3, rng.uniform() * 6]);
    for (let c = 0; c < channels; c++) {
      const amp = 60 + 60 * rng.uniform();
      const tint = 50 * Math.cos((2 * Math.PI * k) / classes + 2 * c); // a class colour: separable at a glance
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let v = 0;
          for (const [fy, fx, ph] of waves) v += Math.sin((fy * y + fx * x) / size * 2 * Math.PI + ph + c);
          p[(c * size + y) * size + x] = 128 + tint + amp * v / 3;
        }
      }
    }
    patterns.push(p);
  }
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * channels * size * size);
  const labels = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % classes;
    labels[i] = k;
    const dy = rng.int(2 * jitter + 1) - jitter;
    const dx = rng.int(2 * jitter + 1) - jitter;
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const sy = Math.min(Math.max(y + dy, 0), size - 1);
          const sx = Math.min(Math.max(x + dx, 0), size - 1);
          const v = patterns[k][(c * size + sy) * size + sx] + noise * rng.normal();
          pixels[((i * channels + c) * size + y) * size + x] = Math.min(255, Math.max(0, Math.round(v)));
        }
      }
    }
  }
  return checkImageSet({
    name: opts.name ?? `synthetic/${seed}`,
    pixels,
    labels,
    count,
    channels,
    height: size,
    width: size,
    classes: Array.from({ length: classes }, (_, k) => `class${k}`),
    source: `synthetic (seed ${seed})`,
  });
}
