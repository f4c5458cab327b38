/**
 * Initializers, tested statistically on large tensors: the sample mean is within 4 standard errors of 0
 * (std / sqrt(n) each) and the sample std within 1% of the scheme's std (its standard error is std / sqrt(2n),
 * about 0.07% at n = 10^5, so 1% is a 14-sigma bound that still catches any wrong formula, whose errors are
 * factors like sqrt(2) or 0.97).
 */
import assert from "node:assert/strict";
import { fanIn, fanOut, type InitScheme, initStd, initWeights } from "../lib/init.ts";
import { Rng } from "../lib/rng.ts";

function stats(a: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (const v of a) s += v;
  const mean = s / a.length;
  let q = 0;
  for (const v of a) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / (a.length - 1)) };
}

const conv = [256, 128, 3, 3]; // d = 256 filters of 3x3 on c = 128 channels: n = 1152, n^ = 2304
const fc = [512, 4096];

Deno.test("init: fan-in n = k^2 c and fan-out n^ = k^2 d", () => {
  assert.equal(fanIn(conv), 9 * 128);
  assert.equal(fanOut(conv), 9 * 256);
  assert.equal(fanIn(fc), 4096);
  assert.equal(fanOut(fc), 512);
  assert.throws(() => fanIn([3, 3, 3]), /\[out, in\] or \[out, in, kh, kw\]/);
});

Deno.test("init: each scheme's std follows the paper's formula", () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
  close(initStd({ kind: "gaussian", std: 0.01 }, conv), 0.01);
  close(initStd({ kind: "xavier" }, conv), Math.sqrt(1 / 1152));
  close(initStd({ kind: "he-forward" }, conv), Math.sqrt(2 / 1152));
  close(initStd({ kind: "he-backward" }, conv), Math.sqrt(2 / 2304));
  close(initStd({ kind: "he-prelu", slope: 0.25, mode: "forward" }, conv), Math.sqrt(2 / (1.0625 * 1152)));
  // The digest's derived factor: with a = 0.25 the PReLU std is 0.9701 of the ReLU one.
  const ratio = initStd({ kind: "he-prelu", slope: 0.25, mode: "forward" }, conv) /
    initStd({ kind: "he-forward" }, conv);
  assert.equal(ratio.toFixed(4), "0.9701");
  // The paper's VGG "model B" stds for 3x3 layers of 64/128/256/512 filters: 0.059, 0.042, 0.029, 0.021.
  const vgg = [64, 128, 256, 512].map((d) => initStd({ kind: "he-forward" }, [d, d, 3, 3]));
  assert.deepEqual(vgg.map((s) => s.toFixed(4)), ["0.0589", "0.0417", "0.0295", "0.0208"]);
});

const schemes: InitScheme[] = [
  { kind: "gaussian", std: 0.01 },
  { kind: "xavier" },
  { kind: "he-forward" },
  { kind: "he-backward" },
  { kind: "he-prelu", slope: 0.25, mode: "forward" },
  { kind: "he-prelu", slope: 0.25, mode: "backward" },
];

for (const scheme of schemes) {
  for (const shape of [conv, [96, 3, 7, 7], fc]) {
    Deno.test(`init: ${JSON.stringify(scheme)} on [${shape}] has the stated mean and std`, () => {
      const w = initWeights(scheme, shape, new Rng(42));
      assert.ok(w.length >= 10_000, "large enough for the bounds below");
      const { mean, std } = stats(w);
      const want = initStd(scheme, shape);
      assert.ok(Math.abs(mean) < (4 * want) / Math.sqrt(w.length), `mean ${mean} for std ${want}`);
      assert.ok(Math.abs(std / want - 1) < 0.01, `std ${std} vs ${want}`);
    });
  }
}

Deno.test("init: the same seed gives the same weights, another seed different ones", () => {
  const a = initWeights({ kind: "he-forward" }, [8, 4, 3, 3], new Rng(1));
  const b = initWeights({ kind: "he-forward" }, [8, 4, 3, 3], new Rng(1));
  const c = initWeights({ kind: "he-forward" }, [8, 4, 3, 3], new Rng(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});
