/**
 * Finite-difference check of the float64 reference: for every op case, the analytic gradient of
 * L = sum(op(inputs) * r) from the reference backward equals the central difference (L(x + h) - L(x - h)) / 2h
 * at sampled input elements (all of them for small inputs).
 */
import assert from "node:assert/strict";
import { noGrad } from "../lib/tensor.ts";
import { Rng } from "../lib/rng.ts";
import { randomF32, reference, tensor } from "./helpers.ts";
import { caseInputs, cases, runCase } from "./op_cases.ts";

const H = 1e-6;
const SAMPLES = 40;

for (const c of cases.filter((c) => !c.noBackward)) {
  Deno.test(`reference gradcheck: ${c.name}`, async () => {
    const base = caseInputs(c);
    const { y, grads } = await runCase(reference, c);
    const r = randomF32(y.length, 999);
    const loss = (values: Float64Array[]): number =>
      noGrad(() => {
        const xs = c.inputs.map((input, i) => tensor(reference, values[i], input.shape));
        const out = c.op(xs).storage as Float64Array;
        return out.reduce((s, v, i) => s + v * r[i], 0);
      });
    const rng = new Rng(7);
    let checked = 0;
    c.inputs.forEach((input, i) => {
      if (!input.grad) return;
      const analytic = grads[i]!;
      const n = base[i].length;
      const picks = n <= SAMPLES ? [...Array(n).keys()] : Array.from({ length: SAMPLES }, () => rng.int(n));
      for (const j of picks) {
        const plus = base.map((v) => v.slice());
        const minus = base.map((v) => v.slice());
        plus[i][j] += H;
        minus[i][j] -= H;
        const numeric = (loss(plus) - loss(minus)) / (2 * H);
        const err = Math.abs(numeric - analytic[j]);
        assert.ok(
          err <= 1e-5 * Math.max(1, Math.abs(numeric)),
          `${c.name}: d input ${i}[${j}] analytic ${analytic[j]} vs numeric ${numeric}`,
        );
        checked++;
      }
    });
    assert.ok(checked > 0);
  });
}
