/** IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed: magic 0x0803 for images, 0x0801 for labels. */
import { checkImageSet, DataError, type ImageSet } from "./dataset.ts";
import { gunzip, isGzip } from "../util/fs.ts";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, path: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
    throw new DataError(`${path} is not an unsigned-byte IDX file (bad magic number)`);
  }
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + size) {
    throw new DataError(
      `${path} declares ${dims.join("x")} values but holds ${bytes.length - offset}: truncated or corrupt. ` +
        `Delete it and download it again (deno task data <name>).`,
    );
  }
  return { dims, data: bytes.subarray(offset) };
}

export async function readIdx(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    throw new DataError(`IDX file ${path} is missing`);
  }
  if (isGzip(bytes)) {
    try {
      bytes = await gunzip(bytes);
    } catch (e) {
      throw new DataError(`${path} is not a valid gzip file (${(e as Error).message}): truncated or corrupt`);
    }
  }
  return parseIdx(bytes, path);
}

/** Finds `<base>` or `<base>.gz` in a folder. */
export function idxPath(dir: string, base: string): string | null {
  for (const p of [`${dir}/${base}`, `${dir}/${base}.gz`]) {
    try {
      Deno.statSync(p);
      return p;
    } catch { /* try the next */ }
  }
  return null;
}

export async function loadIdxPair(
  dir: string,
  prefix: "train" | "t10k",
  name: string,
  classes: string[],
): Promise<ImageSet> {
  const imagesPath = idxPath(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = idxPath(dir, `${prefix}-labels-idx1-ubyte`);
  if (!imagesPath || !labelsPath) {
    throw new DataError(`${dir} lacks ${prefix}-images-idx3-ubyte[.gz] or ${prefix}-labels-idx1-ubyte[.gz]`);
  }
  const images = await readIdx(imagesPath);
  const labels = await readIdx(labelsPath);
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new DataError(
      `${imagesPath} (${images.dims.join("x")}) and ${labelsPath} (${labels.dims}) do not match`,
    );
  }
  const [count, height, width] = images.dims;
  return checkImageSet({
    name,
    pixels: images.data,
    labels: Uint16Array.from(labels.data),
    count,
    channels: 1,
    height,
    width,
    classes,
    source: `IDX ${dir}`,
  });
}
