/**
 * The decoded-dataset cache: one file per split holding uint8 pixels and labels, keyed by the source (paths,
 * sizes, modification times) and verified by a SHA-256 of its payload on load. Writes are atomic; a corrupt
 * entry is reported, removed and rebuilt.
 */
import { type ImageSet } from "./dataset.ts";
import { sha256Hex } from "../util/fs.ts";
import { readChecked, writeChecked } from "../util/checked_file.ts";
import { cacheRoot } from "../util/paths.ts";

const MAGIC = "RECTIFIERS-IMAGESET-2";

/** Everything of an ImageSet but its arrays. */
type Header = Omit<ImageSet, "pixels" | "labels">;

export function cachePath(name: string, key: string): string {
  return `${cacheRoot()}/datasets/${name.replace(/[^a-zA-Z0-9._-]+/g, "_")}-${key.slice(0, 16)}.bin`;
}

/** Key for a set of source files: their paths, sizes and modification times. */
export function sourceKey(parts: unknown): string {
  return sha256Hex(JSON.stringify(parts));
}

export function statKey(paths: string[]): string {
  return sourceKey(paths.map((p) => {
    const s = Deno.statSync(p);
    return [p, s.size, s.mtime?.getTime() ?? 0];
  }));
}

function payloadOf(set: ImageSet): Uint8Array {
  const payload = new Uint8Array(set.count * 2 + set.pixels.length);
  payload.set(new Uint8Array(set.labels.buffer, set.labels.byteOffset, set.count * 2), 0);
  payload.set(set.pixels, set.count * 2);
  return payload;
}

export async function writeCache(path: string, set: ImageSet): Promise<void> {
  const { pixels: _pixels, labels: _labels, ...meta } = set;
  await writeChecked(path, MAGIC, meta, [payloadOf(set)]);
}

/** The cached set, or null when absent; throws nothing for a damaged file but reports and removes it. */
export async function readCache(
  path: string,
  log: (s: string) => void = console.warn,
): Promise<ImageSet | null> {
  try {
    const read = await readChecked<Header>(path, MAGIC);
    if (!read) return null;
    const { fields: header, payload } = read;
    const pixelBytes = header.count * header.channels * header.height * header.width;
    if (payload.length !== header.count * 2 + pixelBytes) throw new Error(`${path} holds the wrong size`);
    const labels = new Uint16Array(payload.slice(0, header.count * 2).buffer);
    return { ...header, pixels: payload.subarray(header.count * 2), labels };
  } catch (e) {
    log(`dataset cache: ${(e as Error).message}: removing it and decoding again`);
    await Deno.remove(path).catch(() => {});
    return null;
  }
}

export async function cached(
  name: string,
  key: string,
  build: () => Promise<ImageSet> | ImageSet,
  log: (s: string) => void = console.log,
): Promise<ImageSet> {
  const path = cachePath(name, key);
  const hit = await readCache(path, log);
  if (hit) return hit;
  const set = await build();
  await writeCache(path, set);
  log(`cached decoded ${name} (${set.count} images) in ${path}`);
  return set;
}
