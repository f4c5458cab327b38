/**
 * A decoded image-classification split held in memory: uint8 pixels, one image after another in CHW order
 * (channel planes), all images the same size.
 */
import { createHash } from "node:crypto";
import { fmtShape } from "../geometry.ts";

export interface ImageSet {
  /** e.g. "cifar10/train". */
  name: string;
  pixels: Uint8Array;
  labels: Uint16Array;
  count: number;
  channels: number;
  height: number;
  width: number;
  classes: string[];
  /** Where it came from (folder, binary files, download, synthetic), for result records. */
  source: string;
}

/**
 * A split too large to hold decoded (an ImageNet-style folder at full size): images of any size and aspect,
 * decoded on demand by worker threads (lib/data/decode_pool.ts) as batches are needed.
 */
export interface StreamedSet {
  kind: "streamed";
  name: string;
  count: number;
  /** Decoded to RGB whatever the file holds (greyscale and CMYK JPEGs included). */
  channels: 3;
  classes: string[];
  labels: Uint16Array;
  files: string[];
  source: string;
  /** Content fingerprint of the files (class folders, names, sizes, sampled bytes; not where they lie). */
  fingerprint: string;
}

export type DataSet = ImageSet | StreamedSet;

/** An image's place within its split: `<class>/<file>`, the part of its path that does not depend on the root. */
export function classAndName(path: string): string {
  return path.split("/").slice(-2).join("/");
}

export function isStreamed(set: DataSet): set is StreamedSet {
  return (set as StreamedSet).kind === "streamed";
}

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

export function imageSize(set: ImageSet): number {
  return set.channels * set.height * set.width;
}

export function checkImageSet(set: ImageSet): ImageSet {
  const want = set.count * imageSize(set);
  if (set.pixels.length !== want || set.labels.length !== set.count) {
    throw new DataError(
      `${set.name}: ${set.count} images of ${
        fmtShape([set.channels, set.height, set.width])
      } need ${want} bytes and ` +
        `${set.count} labels, got ${set.pixels.length} bytes and ${set.labels.length} labels`,
    );
  }
  for (let i = 0; i < set.count; i++) {
    if (set.labels[i] >= set.classes.length) {
      throw new DataError(
        `${set.name}: label ${set.labels[i]} of image ${i} is outside the ${set.classes.length} classes`,
      );
    }
  }
  return set;
}

/**
 * `count` indices spread evenly over the set (all of them when count >= size). Sets are often stored class by
 * class, so a prefix would see only the first classes; an even spread sees them all.
 */
export function spreadIndices(size: number, count: number): number[] {
  const n = Math.min(count, size);
  return Array.from({ length: n }, (_, i) => Math.floor((i * size) / n));
}

/** The first `n` images of each class, keeping the original order (for small tiers); an error when a class has fewer. */
export function takePerClass<S extends DataSet>(set: S, n: number): S {
  const counts = new Array(set.classes.length).fill(0);
  const keep: number[] = [];
  for (let i = 0; i < set.count; i++) {
    if (counts[set.labels[i]] < n) {
      counts[set.labels[i]]++;
      keep.push(i);
    }
  }
  counts.forEach((c, label) => {
    if (c < n) {
      throw new DataError(
        `${set.name}: class ${
          set.classes[label]
        } has ${c} images, fewer than the ${n} per class this run takes: ` +
          "add images or use a smaller tier",
      );
    }
  });
  return subset(set, keep, `${set.name}[${n}/class]`);
}

export function subset<S extends DataSet>(set: S, indices: number[], name = set.name): S {
  if (isStreamed(set)) {
    return {
      ...set,
      name,
      count: indices.length,
      files: indices.map((i) => set.files[i]),
      labels: Uint16Array.from(indices, (i) => set.labels[i]),
    };
  }
  const size = imageSize(set);
  const pixels = new Uint8Array(indices.length * size);
  const labels = new Uint16Array(indices.length);
  indices.forEach((src, dst) => {
    pixels.set(set.pixels.subarray(src * size, (src + 1) * size), dst * size);
    labels[dst] = set.labels[src];
  });
  return { ...set, name, pixels, labels, count: indices.length } as S;
}

/**
 * Holds out the last `perClass` images of each class (in the set's order) as a validation split, for choices made
 * from data (plateau schedules, ensemble members and weights); the test split is never used for those.
 */
export function holdOut<S extends DataSet>(set: S, perClass: number): { train: S; val: S } {
  const byClass: number[][] = set.classes.map(() => []);
  for (let i = 0; i < set.count; i++) byClass[set.labels[i]].push(i);
  const val = new Set<number>();
  byClass.forEach((idx, c) => {
    if (idx.length <= perClass) {
      throw new DataError(
        `${set.name}: class ${
          set.classes[c]
        } has ${idx.length} images, too few to hold out ${perClass} for ` +
          `validation and keep some for training`,
      );
    }
    for (const i of idx.slice(idx.length - perClass)) val.add(i);
  });
  const trainIdx: number[] = [];
  const valIdx: number[] = [];
  for (let i = 0; i < set.count; i++) (val.has(i) ? valIdx : trainIdx).push(i);
  return {
    train: subset(set, trainIdx, `${set.name}[train]`),
    val: subset(set, valIdx, `${set.name}[val ${perClass}/class]`),
  };
}

/** SHA-256 over the splits' labels and pixels (first 16 hex digits): what the data was, whatever its path. */
export function fingerprint(...sets: DataSet[]): string {
  const h = createHash("sha256");
  for (const s of sets) {
    h.update(new Uint8Array(s.labels.buffer, s.labels.byteOffset, s.labels.byteLength));
    if (isStreamed(s)) {
      const names = s.files.map(classAndName).join("\n");
      h.update(`${s.count} streamed:${s.classes.join(",")}:${s.fingerprint}\n${names}`);
    } else {
      h.update(`${s.count}x${s.channels}x${s.height}x${s.width}:${s.classes.join(",")}\n`);
      h.update(s.pixels);
    }
  }
  return h.digest("hex").slice(0, 16);
}
