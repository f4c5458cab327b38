/**
 * Whole-set transforms for transfer between datasets: a source network takes 3-channel images of one size, so
 * a grayscale target set (Fashion-MNIST, MNIST: 28x28) is replicated into RGB and resized to the source's side.
 */
import { type ImageSet, imageSize } from "./dataset.ts";
import { resizeBilinear } from "./decode.ts";

export function toRgbSquare(set: ImageSet, side: number): ImageSet {
  if (set.channels !== 1 && set.channels !== 3) {
    throw new Error(`toRgbSquare: ${set.name} has ${set.channels} channels; only 1 or 3 can become RGB`);
  }
  if (set.channels === 3 && set.height === side && set.width === side) return set;
  const out = new Uint8Array(set.count * 3 * side * side);
  const plane = side * side;
  for (let i = 0; i < set.count; i++) {
    const src = set.pixels.subarray(i * imageSize(set), (i + 1) * imageSize(set));
    const resized = resizeBilinear(src, set.channels, set.height, set.width, side, side);
    for (let c = 0; c < 3; c++) {
      const from = set.channels === 1 ? 0 : c * plane;
      for (let p = 0; p < plane; p++) out[(i * 3 + c) * plane + p] = Math.round(resized[from + p]);
    }
  }
  return {
    ...set,
    name: `${set.name}@rgb${side}`,
    pixels: out,
    channels: 3,
    height: side,
    width: side,
    source: `${set.source} (replicated to RGB, resized to ${side}x${side})`,
  };
}
