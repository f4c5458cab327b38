/**
 * The op suite: every WGSL kernel against the float64 reference, forward and backward, on the shared op cases.
 * Each case builds y = op(inputs) on both backends, back-propagates sum(y * r) with a fixed random r, and compares
 * y and every input gradient. The table of max absolute / relative errors is printed; tolerances are per op, on
 * max|gpu - ref| / max|ref| (5x looser for gradients, which chain two f32 kernels).
 */
import assert from "node:assert/strict";
import { WebGpuBackend } from "../lib/webgpu/backend.ts";
import { compare, randomF32, reference, webgpu } from "./helpers.ts";
import { cases, runCase } from "./op_cases.ts";

const report: string[] = [];

for (const c of cases) {
  Deno.test(`op suite: ${c.name}`, async () => {
    const gpu = await webgpu();
    const want = await runCase(reference, c);
    const got = await runCase(gpu, c);
    const fwd = compare(got.y, want.y);
    report.push(`${c.name.padEnd(52)} fwd ${fmt(fwd.maxAbs)} / ${fmt(fwd.maxRel)}`);
    assert.ok(fwd.normalized <= c.tol, `${c.name} forward: normalized error ${fwd.normalized} > ${c.tol}`);
    want.grads.forEach((wg, i) => {
      const gg = got.grads[i];
      assert.equal(gg === null, wg === null, `${c.name}: gradient ${i} present on one backend only`);
      if (!wg || !gg) return;
      const e = compare(gg, wg);
      report.push(`${"".padEnd(52)} d${i}  ${fmt(e.maxAbs)} / ${fmt(e.maxRel)}`);
      assert.ok(
        e.normalized <= c.tol * 5,
        `${c.name} gradient ${i}: normalized error ${e.normalized} > ${c.tol * 5}`,
      );
    });
  });
}

// Every GEMM variant an adapter can select, and the chunked col2im path of strided input gradients (a panel
// budget of one small image).
const variants = [
  { name: "GEMM block 2x2, storage B (GPU adapters)", opts: { block: { ra: 2, cb: 2 }, uniformB: false } },
  { name: "GEMM block 4x4, uniform B (CPU adapters)", opts: { block: { ra: 4, cb: 4 }, uniformB: true } },
  { name: "GEMM block 4x4, storage B", opts: { block: { ra: 4, cb: 4 }, uniformB: false } },
  { name: "col2im in chunks of one image", opts: { panelBytes: 4096 } },
];
const gemmCases = cases.filter((c) => /^(conv2d|linear|matmul)/.test(c.name));
for (const v of variants) {
  Deno.test(`op suite: ${v.name}, ${gemmCases.length} conv/linear/matmul cases`, async () => {
    const backend = new WebGpuBackend((await webgpu()).engine, v.opts);
    for (const c of gemmCases) {
      const want = await runCase(reference, c);
      const got = await runCase(backend, c);
      assert.ok(compare(got.y, want.y).normalized <= c.tol, `${v.name}, ${c.name}: forward`);
      want.grads.forEach((wg, i) => {
        if (wg) {
          assert.ok(
            compare(got.grads[i]!, wg).normalized <= c.tol * 5,
            `${v.name}, ${c.name}: gradient ${i}`,
          );
        }
      });
    }
  });
}

// SGD is not an autograd op: its update is checked on the backends directly, at a size for each kernel (vec4 for
// multiples of 4, scalar otherwise), over three steps so the momentum buffer takes part.
for (const size of [36, 37]) {
  Deno.test(`op suite: SGD update with momentum and weight decay, ${size} parameters`, async () => {
    const finals = [];
    for (const backend of [reference, await webgpu()]) {
      const w = backend.upload(randomF32(size, 1));
      const v = backend.zeros(size);
      for (let step = 0; step < 3; step++) {
        const g = backend.upload(randomF32(size, 10 + step));
        backend.sgdUpdate(w, g, v, 0.1, 0.9, 0.05);
        backend.release(g);
      }
      finals.push({ w: await backend.read(w), v: await backend.read(v) });
      backend.release(w);
      backend.release(v);
    }
    const [want, got] = finals;
    assert.ok(compare(got.w, want.w).normalized < 1e-6, `weights: ${compare(got.w, want.w).normalized}`);
    assert.ok(compare(got.v, want.v).normalized < 1e-6, `momentum: ${compare(got.v, want.v).normalized}`);
  });
}

Deno.test("op suite: error table", () => {
  console.log("\nop suite, max abs / max rel error of WebGPU (f32) against the float64 reference:");
  console.log(report.join("\n"));
  assert.ok(report.length >= cases.length);
});

function fmt(v: number): string {
  return v.toExponential(2).padStart(9);
}
