import assert from "node:assert/strict";
import * as ops from "../lib/ops.ts";
import { DeviceLimitError, GpuEngine, NoAdapterError } from "../lib/webgpu/engine.ts";
import { reference, tensor, webgpu } from "./helpers.ts";

Deno.test("errors: shape mismatches name the op and both shapes", () => {
  const x = tensor(reference, new Float64Array(2 * 3 * 5 * 5), [2, 3, 5, 5]);
  const w = tensor(reference, new Float64Array(4 * 2 * 3 * 3), [4, 2, 3, 3]);
  assert.throws(
    () => ops.conv2d(x, w),
    /conv2d: input \[2, 3, 5, 5\] has 3 channels but weight \[4, 2, 3, 3\]/,
  );
  const big = tensor(reference, new Float64Array(4 * 3 * 9 * 9), [4, 3, 9, 9]);
  assert.throws(
    () => ops.conv2d(x, big),
    /conv2d: a 9x9 kernel with pad 0 does not fit input \[2, 3, 5, 5\]/,
  );
  const a = tensor(reference, new Float64Array(6), [2, 3]);
  const b = tensor(reference, new Float64Array(8), [4, 2]);
  assert.throws(() => ops.linear(a, b), /linear: input \[2, 3\] has 3 features, weight \[4, 2\] expects 2/);
  assert.throws(() => ops.matmul(a, b), /matmul: inner sizes differ: \[2, 3\] x \[4, 2\]/);
  assert.throws(() => ops.add(a, b), /add: shapes differ: \[2, 3\] and \[4, 2\]/);
  assert.throws(
    () => ops.prelu(x, tensor(reference, [1, 2], [2])),
    /prelu: slopes must be \[3\] .* or \[1\]/,
  );
  assert.throws(() => ops.softmaxCrossEntropy(a, tensor(reference, [0], [1])), /labels must be \[2\]/);
  assert.throws(
    () => ops.maxPool2d(x, 3, { pad: 2 }),
    /maxPool2d: pad must be an integer in \[0, kernel\/2\]/,
  );
  assert.throws(() => ops.spp(a, [2, 1]), /spp: input must be NCHW/);
  assert.throws(() => tensor(reference, [1, 2, 3], [2, 2]), /shape \[2, 2\] needs 4 values, got 3/);
});

Deno.test("errors: a buffer over the device limit is refused before allocation", async () => {
  const engine = (await webgpu()).engine;
  const before = engine.stats.allocatedBytes;
  const limit = Math.min(engine.limits.maxStorageBufferBindingSize, engine.limits.maxBufferSize);
  assert.throws(() => engine.alloc(limit + 4, "conv2d output"), (e: Error) => {
    assert.ok(e instanceof DeviceLimitError);
    assert.match(e.message, /conv2d output needs .* over this adapter's storage buffer limit/);
    assert.match(e.message, /smaller batch/);
    return true;
  });
  assert.equal(engine.stats.allocatedBytes, before);
});

Deno.test("errors: NaN and Inf are detected on the device and reported clearly", async () => {
  for (const backend of [reference, await webgpu()]) {
    const t = tensor(backend, [1, NaN, 3, Infinity, -Infinity, 0], [6]);
    assert.equal(await ops.countNonFinite(t).item(), 3, backend.name);
    assert.equal(await ops.countNonFinite(tensor(backend, [1, 2], [2])).item(), 0);
  }
  assert.throws(() => ops.assertFinite(NaN, "training loss at epoch 3, step 17"), (e: Error) => {
    assert.ok(e instanceof ops.NonFiniteError);
    assert.match(e.message, /training loss at epoch 3, step 17 is NaN: training diverged/);
    return true;
  });
});

Deno.test("errors: a WGSL build failure surfaces the compiler's message and the kernel name", async () => {
  const engine = (await webgpu()).engine;
  await assert.rejects(
    () => engine.compileSource("broken_kernel", "@compute @workgroup_size(1) fn main() { let x = ; }"),
    /kernel broken_kernel\.wgsl failed to build: .*expected/s,
  );
  assert.throws(() => engine.pipeline("no_such_kernel"), /kernel no_such_kernel\.wgsl not found/);
});

Deno.test("errors: no WebGPU adapter names the packages to install", async () => {
  const gpu = navigator.gpu as unknown as { requestAdapter: () => Promise<GPUAdapter | null> };
  const original = gpu.requestAdapter;
  gpu.requestAdapter = () => Promise.resolve(null);
  try {
    await assert.rejects(() => GpuEngine.create(), (e: Error) => {
      assert.ok(e instanceof NoAdapterError);
      assert.match(e.message, /mesa-vulkan-drivers libvulkan1/);
      return true;
    });
  } finally {
    gpu.requestAdapter = original;
  }
});
