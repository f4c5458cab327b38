import assert from "node:assert/strict";
import * as ops from "../lib/ops.ts";
import { keep, noGrad, Tensor, tidy } from "../lib/tensor.ts";
import { Rng } from "../lib/rng.ts";
import { reference, tensor, webgpu } from "./helpers.ts";

Deno.test("autograd: a tensor used twice accumulates both gradients", async () => {
  for (const backend of [reference, await webgpu()]) {
    await tidy(async () => {
      const x = tensor(backend, [1, -2, 3], [3], true);
      // L = sum(x * x + x): dL/dx = 2x + 1
      ops.sum(ops.add(ops.mul(x, x), x)).backward();
      assert.deepEqual(Array.from(await x.grad!.toArray()), [3, -3, 7], backend.name);
      x.grad!.dispose();
      x.grad = null;
      // L = sum(x + x): the same tensor on both sides of one op
      ops.sum(ops.add(x, x)).backward();
      assert.deepEqual(Array.from(await x.grad!.toArray()), [2, 2, 2], backend.name);
      x.grad!.dispose();
    });
  }
});

Deno.test("autograd: calling backward twice accumulates into .grad", async () => {
  const x = tensor(reference, [2, 5], [2], true);
  ops.sum(ops.scale(x, 3)).backward();
  ops.sum(ops.scale(x, 3)).backward();
  assert.deepEqual(Array.from(await x.grad!.toArray()), [6, 6]);
});

Deno.test("autograd: reshape views share storage and pass gradients through", async () => {
  const x = tensor(reference, [1, 2, 3, 4, 5, 6], [2, 3], true);
  const v = x.reshape([3, -1]);
  assert.deepEqual(v.shape, [3, 2]);
  assert.equal(v.storage, x.storage);
  ops.sum(ops.mul(v, v)).backward();
  assert.deepEqual(Array.from(await x.grad!.toArray()), [2, 4, 6, 8, 10, 12]);
  assert.throws(() => x.reshape([4, 2]), /reshape: cannot view \[2, 3\] \(6 values\) as \[4, 2\]/);
});

Deno.test("autograd: noGrad records nothing, and backward refuses a loss without a tape", () => {
  const x = tensor(reference, [1, 2], [2], true);
  const y = noGrad(() => ops.sum(ops.relu(x)));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  assert.throws(() => y.backward(), /does not depend on any tensor that requires grad/);
  assert.throws(() => ops.relu(x).backward(), /needs a scalar loss, got \[2\]/);
});

Deno.test("autograd: tidy frees what it made, except its result and kept tensors", async () => {
  const gpu = await webgpu();
  let inner: Tensor | null = null;
  let kept: Tensor | null = null;
  const out = tidy(() => {
    inner = tensor(gpu, [1, 2, 3], [3]);
    kept = keep(ops.scale(inner, 2));
    return ops.scale(inner, 3);
  });
  assert.equal(inner!.disposed, true);
  assert.equal(kept!.disposed, false);
  assert.deepEqual(Array.from(await out.toArray()), [3, 6, 9]);
  assert.throws(() => inner!.storage, /used after dispose/);
  out.dispose();
  kept!.dispose();
});

Deno.test("autograd: a training step records everything and reads nothing back until asked", async () => {
  const gpu = await webgpu();
  const engine = gpu.engine;
  const x = tensor(gpu, Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => Math.sin(i)), [2, 3, 8, 8]);
  const w = tensor(
    gpu,
    Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.cos(i) * 0.1),
    [4, 3, 3, 3],
    true,
  );
  const labels = tensor(gpu, [1, 3], [2]);
  engine.flush();
  const before = { ...engine.stats };
  const loss = tidy(() => {
    const logits = ops.globalAvgPool(ops.relu(ops.conv2d(x, w, null, { pad: 1 })));
    const l = ops.softmaxCrossEntropy(logits, labels);
    l.backward();
    return l;
  });
  assert.equal(engine.stats.readbacks, before.readbacks, "no readback inside the step");
  assert.ok(engine.stats.dispatches - before.dispatches >= 8, "the step's work was recorded as dispatches");
  assert.ok(engine.stats.submits - before.submits <= 1, "at most one submit (for the uploaded loss seed)");
  assert.ok(Number.isFinite(await loss.item()));
  assert.equal(engine.stats.readbacks, before.readbacks + 1);
});

Deno.test("tensor: seeded normal and uniform fills, strides, typed-array round trip", async () => {
  const gpu = await webgpu();
  const a = Tensor.randn(gpu, [4, 5, 6], new Rng(3), { mean: 1, std: 2 });
  const b = Tensor.randn(gpu, [4, 5, 6], new Rng(3), { mean: 1, std: 2 });
  assert.deepEqual(await a.toArray(), await b.toArray());
  assert.deepEqual(a.strides, [30, 6, 1]);
  const u = await Tensor.uniform(reference, [1000], new Rng(4), { lo: -1, hi: 3 }).toArray();
  assert.ok(u.every((v) => v >= -1 && v < 3));
  const mean = u.reduce((s, v) => s + v, 0) / u.length;
  assert.ok(Math.abs(mean - 1) < 0.2, `uniform mean ${mean}`);
  const data = Float32Array.from([1.5, -2.25, 3]);
  assert.deepEqual(Float32Array.from(await Tensor.fromArray(gpu, data, [3]).toArray()), data);
  a.dispose();
  b.dispose();
});
