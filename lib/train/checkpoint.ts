/**
 * Checkpoints: one file holding a JSON state line and the float32 parameters and momentum buffers, written
 * atomically, so a killed run resumes from the last complete checkpoint and never reads a half-written one.
 */
import { createHash } from "node:crypto";
import { sha256Hex, writeChunksAtomic } from "../util/fs.ts";

// Version 2: the checksum covers the state too. Version 1 (checksum of the numbers only) is still read, so a
// cache made by an older release is checked and then retrained for its changed key, not reported as damaged.
const MAGIC = "RECTIFIERS-CHECKPOINT-2\n";
const MAGIC_V1 = "RECTIFIERS-CHECKPOINT-1\n";

export interface Checkpoint<S> {
  state: S;
  /** Parameter values, then momentum buffers, in parameter order. */
  tensors: Float32Array[];
}

export async function saveCheckpoint<S>(path: string, ckpt: Checkpoint<S>): Promise<void> {
  const sizes = ckpt.tensors.map((t) => t.length);
  // Tensor by tensor, hashed and written without one buffer of them all: at the paper's size the numbers are
  // gigabytes (model C's parameters and momentum), and a copy of them all is what ran a 24 GB machine out.
  const bytes = ckpt.tensors.map((t) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  const hash = createHash("sha256");
  for (const b of bytes) hash.update(b);
  // The checksum covers the state and the sizes as well as the numbers, so no byte can change unnoticed.
  const sha256 = sha256Hex(JSON.stringify({ state: ckpt.state, sizes }) + hash.digest("hex"));
  const head = new TextEncoder().encode(MAGIC + JSON.stringify({ state: ckpt.state, sizes, sha256 }) + "\n");
  await writeChunksAtomic(path, [head, ...bytes]);
}

export async function loadCheckpoint<S>(path: string): Promise<Checkpoint<S> | null> {
  let file: Uint8Array;
  try {
    file = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const newline = file.indexOf(10, MAGIC.length);
  const text = new TextDecoder().decode(file.subarray(0, newline));
  const v1 = text.startsWith(MAGIC_V1.trim());
  if (!(v1 || text.startsWith(MAGIC.trim())) || newline < 0) {
    throw new Error(`${path} is not a rectifiers checkpoint`);
  }
  let meta: { state: S; sizes: number[]; sha256: string };
  try {
    meta = JSON.parse(text.slice(MAGIC.length));
  } catch {
    throw new Error(`checkpoint ${path} has a damaged header`);
  }
  const payload = file.subarray(newline + 1);
  const want = v1
    ? sha256Hex(payload)
    : sha256Hex(JSON.stringify({ state: meta.state, sizes: meta.sizes }) + sha256Hex(payload));
  const count = meta.sizes?.reduce((a, b) => a + b, 0) ?? -1;
  if (want !== meta.sha256 || payload.length !== count * 4) {
    throw new Error(`checkpoint ${path} is corrupt (checksum or length mismatch)`);
  }
  // One copy per tensor (the payload follows a header of any length, so it is not 4-byte aligned in `file`).
  const tensors: Float32Array[] = [];
  let offset = 0;
  for (const n of meta.sizes) {
    tensors.push(new Float32Array(payload.slice(offset, offset + 4 * n).buffer));
    offset += 4 * n;
  }
  return { state: meta.state, tensors };
}
