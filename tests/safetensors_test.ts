/** The safetensors writer and reader: a byte-exact known answer, a round trip, and malformed files refused. */
import assert from "node:assert/strict";
import { decodeSafetensors, encodeSafetensors } from "../lib/util/safetensors.ts";

Deno.test("safetensors: the bytes of a known file, as the format specifies them", () => {
  const bytes = encodeSafetensors([{ name: "w", shape: [2], data: new Float32Array([1, -2]) }]);
  const json = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const padded = json + " ".repeat((8 - ((8 + json.length) % 8)) % 8);
  assert.equal(new DataView(bytes.buffer).getBigUint64(0, true), BigInt(padded.length));
  assert.equal(new TextDecoder().decode(bytes.subarray(8, 8 + padded.length)), padded);
  assert.equal((8 + padded.length) % 8, 0, "the data starts 8-byte aligned");
  // 1.0 and -2.0 as little-endian float32.
  assert.deepEqual([...bytes.subarray(8 + padded.length)], [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
});

Deno.test("safetensors: a round trip keeps names, shapes, values, order and metadata", () => {
  const tensors = [
    { name: "conv1.weight", shape: [4, 3, 3, 3], data: Float32Array.from({ length: 108 }, (_, i) => i / 7) },
    { name: "conv1.bias", shape: [4], data: new Float32Array([0.5, -0.5, 1e-8, 3e8]) },
    { name: "prelu1.weight", shape: [1], data: new Float32Array([0.25]) },
  ];
  const back = decodeSafetensors(encodeSafetensors(tensors, { seed: "1", commit: "abc" }));
  assert.deepEqual(back.metadata, { seed: "1", commit: "abc" });
  assert.deepEqual(back.tensors.map((t) => t.name), tensors.map((t) => t.name));
  back.tensors.forEach((t, i) => {
    assert.deepEqual(t.shape, tensors[i].shape);
    assert.deepEqual([...t.data], [...tensors[i].data]);
  });
});

Deno.test("safetensors: wrong shapes, duplicate names and damaged files are refused", () => {
  assert.throws(() => encodeSafetensors([{ name: "a", shape: [3], data: new Float32Array(2) }]), /2 values/);
  const t = { name: "a", shape: [1], data: new Float32Array(1) };
  assert.throws(() => encodeSafetensors([t, t]), /duplicate name a/);
  const good = encodeSafetensors([{ name: "a", shape: [4], data: new Float32Array(4) }]);
  assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 4)), /does not fit shape/);
  assert.throws(() => decodeSafetensors(good.subarray(0, 6)), /shorter than its 8-byte header/);
});
