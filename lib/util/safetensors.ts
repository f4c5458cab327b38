/**
 * The safetensors format (what PyTorch, JAX and Hugging Face load trained weights from): an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte range in the data that follows (plus
 * string-valued "__metadata__"), padded with spaces to a multiple of 8 bytes, then the raw little-endian tensors,
 * back to back in header order. Only float32 is written here; the reader checks every range.
 */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a safetensors file holding `tensors` (float32) and `metadata`. */
export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error("safetensors: writing needs a little-endian machine");
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name) || t.name === "__metadata__") {
      throw new Error(`safetensors: duplicate name ${t.name}`);
    }
    seen.add(t.name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`safetensors: ${t.name} has ${t.data.length} values for shape [${t.shape}] (${count})`);
    }
    header[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Tensors (float32) and metadata of a safetensors file; a malformed file is an error saying what is wrong. */
export function decodeSafetensors(
  bytes: Uint8Array,
): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error("safetensors: shorter than its 8-byte header length");
  const size = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (8 + size > bytes.length) throw new Error(`safetensors: header of ${size} bytes runs past the file`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size)));
  const data = bytes.subarray(8 + size);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: NamedTensor[] = [];
  for (const [name, entry] of Object.entries(header) as [string, HeaderEntry][]) {
    if (name === "__metadata__") continue;
    if (entry.dtype !== "F32") {
      throw new Error(`safetensors: ${name} is ${entry.dtype}; only F32 is read here`);
    }
    const [start, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (start < 0 || end > data.length || end - start !== 4 * count) {
      throw new Error(
        `safetensors: ${name}'s byte range [${start}, ${end}) does not fit shape [${entry.shape}]`,
      );
    }
    const copy = data.slice(start, end);
    tensors.push({ name, shape: entry.shape, data: new Float32Array(copy.buffer, copy.byteOffset, count) });
  }
  tensors.sort((a, b) => (header[a.name].data_offsets[0] - header[b.name].data_offsets[0]));
  return { tensors, metadata };
}
