/**
 * One checksummed file format for everything the suite stores (checkpoints and trained models, decoded
 * datasets, stored test scores): a magic line naming the kind and version, one JSON header line, then a binary
 * payload. The header holds the payload's length and a SHA-256 over the header's own fields and the payload, so
 * no byte can change unnoticed. Written atomically, so a killed run never leaves half a file.
 */
import { createHash } from "node:crypto";
import { sha256Hex, writeChunksAtomic } from "./fs.ts";

/** A stored file that exists but is not what it should be: wrong kind, damaged header, checksum or length. */
export class DamagedFileError extends Error {}

function digest(magic: string, fields: Record<string, unknown>, payloadHash: string): string {
  return sha256Hex(magic + JSON.stringify(fields) + payloadHash);
}

/** Writes `fields` and the payload (given in pieces, so no copy of the whole is made) under `magic`. */
export async function writeChecked(
  path: string,
  magic: string,
  fields: Record<string, unknown>,
  chunks: Uint8Array[],
): Promise<void> {
  const hash = createHash("sha256");
  let bytes = 0;
  for (const c of chunks) {
    hash.update(c);
    bytes += c.length;
  }
  const all = { ...fields, bytes };
  const header = { ...all, sha256: digest(magic, all, hash.digest("hex")) };
  const head = new TextEncoder().encode(`${magic}\n${JSON.stringify(header)}\n`);
  await writeChunksAtomic(path, [head, ...chunks]);
}

/**
 * The header fields and payload of a file written by writeChecked with `magic`; null when there is no file.
 * A file of another kind, or damaged in any byte, is a DamagedFileError naming the path and what is wrong.
 */
export async function readChecked<F extends Record<string, unknown>>(
  path: string,
  magic: string,
): Promise<{ fields: F; payload: Uint8Array } | null> {
  let file: Uint8Array;
  try {
    file = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const first = file.indexOf(10);
  const second = first < 0 ? -1 : file.indexOf(10, first + 1);
  const decode = (a: number, b: number) => new TextDecoder().decode(file.subarray(a, b));
  if (first < 0 || decode(0, first) !== magic) {
    throw new DamagedFileError(`${path} is not a ${magic} file`);
  }
  if (second < 0) throw new DamagedFileError(`${path} is damaged (its header is cut off)`);
  let header: F & { bytes: number; sha256: string };
  try {
    header = JSON.parse(decode(first + 1, second));
  } catch {
    throw new DamagedFileError(`${path} is damaged (its header is not JSON)`);
  }
  const payload = file.subarray(second + 1);
  const { sha256, ...all } = header;
  if (payload.length !== header.bytes || digest(magic, all, sha256Hex(payload)) !== sha256) {
    throw new DamagedFileError(`${path} is damaged (checksum or length mismatch)`);
  }
  const { bytes: _bytes, ...fields } = all;
  return { fields: fields as unknown as F, payload };
}
