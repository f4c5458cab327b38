/**
 * Bind groups are reused: a training step that repeats the one before builds none, so the driver's bind groups
 * (each a memory mapping of its own on lavapipe from Mesa 24) stay bounded instead of piling up between garbage
 * collections; and reuse never changes a number.
 */
import assert from "node:assert/strict";
import { BindGroupCache } from "../lib/webgpu/bind_groups.ts";
import { Network } from "../lib/models/network.ts";
import * as ops from "../lib/ops.ts";
import { Sgd } from "../lib/optim.ts";
import { Rng } from "../lib/rng.ts";
import { Tensor, tidy } from "../lib/tensor.ts";
import { randomF32, TOY_SPEC, webgpu } from "./helpers.ts";

Deno.test("bind groups: one per distinct set of bindings, the least recently used dropped past capacity", async () => {
  const engine = (await webgpu()).engine;
  const pipeline = engine.pipeline("elementwise");
  const cache = new BindGroupCache(engine.device, 2);
  const [a, b, c, params] = [
    engine.alloc(64),
    engine.alloc(64),
    engine.alloc(64),
    engine.alloc(256, "params"),
  ];
  const withParams = (x: GPUBuffer, offset = 0): GPUBindGroupEntry[] => [
    { binding: 0, resource: { buffer: params, offset: 0, size: 256 } },
    { binding: 1, resource: { buffer: x, offset, size: 16 } },
    { binding: 2, resource: { buffer: b } },
    { binding: 3, resource: { buffer: c } },
  ];
  const step = engine.limits.minStorageBufferOffsetAlignment;
  const first = cache.get(pipeline, withParams(a));
  assert.equal(cache.get(pipeline, withParams(a)), first, "the same bindings give the same bind group");
  assert.notEqual(cache.get(pipeline, withParams(a, step)), first, "another offset is another bind group");
  assert.equal(cache.built, 2);
  cache.get(pipeline, withParams(a)); // a hit: now the most recently used
  cache.get(pipeline, withParams(b)); // past capacity 2: drops the offset group, the least recently used
  assert.equal(cache.size, 2);
  assert.equal(cache.get(pipeline, withParams(a)), first);
  assert.equal(cache.built, 3);
  cache.get(pipeline, withParams(a, step));
  assert.equal(cache.built, 4, "the dropped group is built again");
  cache.clear();
  assert.equal(cache.size, 0);
  [a, b, c, params].forEach((x) => engine.release(x));
});

Deno.test("bind groups: once the buffer pool settles a training step builds none, and the numbers are unchanged", async () => {
  const gpu = await webgpu();
  const run = async (cacheBetweenSteps: boolean) => {
    const net = new Network(TOY_SPEC, gpu, new Rng(3));
    const sgd = new Sgd(net.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
    const xs = Tensor.fromArray(gpu, Array.from(randomF32(8 * 3 * 10 * 10, 4)), [8, 3, 10, 10]);
    const ys = Tensor.fromArray(gpu, Array.from({ length: 8 }, (_, i) => i % 4), [8]);
    const built: number[] = [];
    for (let step = 0; step < 6; step++) {
      if (!cacheBetweenSteps) gpu.engine.bindGroups.clear();
      const before = gpu.engine.bindGroups.built;
      tidy(() => {
        const loss = ops.softmaxCrossEntropy(net.forward(xs, { training: true, seed: 1 }), ys);
        loss.backward();
        sgd.step();
        sgd.zeroGrad();
      });
      await net.parameters()[0].tensor.toArray(); // every step ends with a readback, as training's do
      built.push(gpu.engine.bindGroups.built - before);
    }
    const values = [];
    for (const p of net.parameters()) values.push(...await p.tensor.toArray());
    [xs, ys].forEach((t) => t.dispose());
    net.dispose();
    sgd.dispose();
    return { built, values };
  };
  const cached = await run(true);
  const fresh = await run(false);
  assert.ok(cached.built[0] > 0);
  // The first steps fill the buffer pool, whose reuse order settles within a few steps; from then on a step
  // binds exactly what the one before bound.
  assert.deepEqual(cached.built.slice(-2), [0, 0], `bind groups built per step: ${cached.built}`);
  assert.ok(fresh.built.every((n) => n > 0), "clearing between steps builds every step's groups again");
  assert.deepEqual(cached.values, fresh.values);
});
