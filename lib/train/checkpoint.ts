/**
 * Checkpoints: the training state and the float32 parameters and momentum buffers in one checksummed file
 * (lib/util/checked_file.ts), written atomically, so a killed run resumes from the last complete checkpoint
 * and never reads a half-written or damaged one.
 */
import { DamagedFileError, readChecked, writeChecked } from "../util/checked_file.ts";

const MAGIC = "RECTIFIERS-CHECKPOINT-3";

export interface Checkpoint<S> {
  state: S;
  /** Parameter values, then momentum buffers, in parameter order. */
  tensors: Float32Array[];
}

export async function saveCheckpoint<S>(path: string, ckpt: Checkpoint<S>): Promise<void> {
  // Tensor by tensor, without one buffer of them all: at the paper's size the numbers are gigabytes (model C's
  // parameters and momentum), and a copy of them all is what ran a 24 GB machine out.
  const bytes = ckpt.tensors.map((t) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  await writeChecked(path, MAGIC, { state: ckpt.state, sizes: ckpt.tensors.map((t) => t.length) }, bytes);
}

/** The checkpoint at `path`, or null when there is none; a damaged one is an error naming the path. */
export async function loadCheckpoint<S>(path: string): Promise<Checkpoint<S> | null> {
  let read;
  try {
    read = await readChecked<{ state: S; sizes: number[] }>(path, MAGIC);
  } catch (e) {
    if (e instanceof DamagedFileError) throw new Error(`checkpoint ${e.message}`);
    throw e;
  }
  if (!read) return null;
  const { fields, payload } = read;
  if (fields.sizes.reduce((a, b) => a + b, 0) * 4 !== payload.length) {
    throw new Error(`checkpoint ${path} is damaged (its tensors do not fill it)`);
  }
  // One copy per tensor (the payload follows a header of any length, so it is not 4-byte aligned in the file).
  const tensors: Float32Array[] = [];
  let offset = 0;
  for (const n of fields.sizes) {
    tensors.push(new Float32Array(payload.slice(offset, offset + 4 * n).buffer));
    offset += 4 * n;
  }
  return { state: fields.state, tensors };
}
