/**
 * The official CIFAR-10 binary release (cifar-10-batches-bin): data_batch_1..5.bin and test_batch.bin, each
 * 10,000 records of 1 label byte + 3,072 pixel bytes (1024 R, 1024 G, 1024 B, row-major: already CHW).
 */
import { checkImageSet, DataError, type ImageSet } from "./dataset.ts";

export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];
const RECORD = 1 + 3072;
const PER_FILE = 10000;

export function cifarBinaryFiles(split: "train" | "test"): string[] {
  return split === "train" ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ["test_batch.bin"];
}

export function loadCifarBinary(dir: string, split: "train" | "test"): ImageSet {
  const files = cifarBinaryFiles(split);
  const pixels = new Uint8Array(files.length * PER_FILE * 3072);
  const labels = new Uint16Array(files.length * PER_FILE);
  files.forEach((name, f) => {
    const path = `${dir}/${name}`;
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(path);
    } catch {
      throw new DataError(`CIFAR-10 binary file ${path} is missing. Run: deno task data cifar10`);
    }
    if (bytes.length !== RECORD * PER_FILE) {
      throw new DataError(
        `CIFAR-10 binary file ${path} has ${bytes.length} bytes, expected ${
          RECORD * PER_FILE
        }: it is truncated or ` +
          `corrupt. Delete it and run: deno task data cifar10`,
      );
    }
    for (let r = 0; r < PER_FILE; r++) {
      const i = f * PER_FILE + r;
      labels[i] = bytes[r * RECORD];
      pixels.set(bytes.subarray(r * RECORD + 1, (r + 1) * RECORD), i * 3072);
    }
  });
  return checkImageSet({
    name: `cifar10/${split}`,
    pixels,
    labels,
    count: labels.length,
    channels: 3,
    height: 32,
    width: 32,
    classes: CIFAR10_CLASSES,
    source: `CIFAR-10 binary ${dir}`,
  });
}
