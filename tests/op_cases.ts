/**
 * The op cases shared by the op suite (WebGPU against the reference) and the finite-difference check of the
 * reference: seeded random inputs on awkward shapes (batch 1, odd sizes, channel counts that are not multiples
 * of 4, stride 2, 7x7 stride 2 with padding, 2x2 kernels, SPP on maps smaller than the finest level).
 */
import * as ops from "../lib/ops.ts";
import { tidy } from "../lib/tensor.ts";
import type { Tensor } from "../lib/tensor.ts";
import type { Backend } from "../lib/backend.ts";
import { randomF32, tensor } from "./helpers.ts";

export interface Input {
  shape: number[];
  grad?: boolean;
  /** Custom values (labels, slopes); default: seeded N(0, 1) rounded to f32. */
  values?: number[];
}

export interface Case {
  name: string;
  inputs: Input[];
  op: (xs: Tensor[]) => Tensor;
  tol: number;
  /** Ops without a gradient (counts). */
  noBackward?: boolean;
}

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

export const cases: Case[] = [
  // conv2d: odd sizes, channel counts that are not multiples of 4, stride 2, 7x7/2 with padding, 2x2 kernels
  ...[
    { n: 1, cin: 3, h: 7, w: 5, cout: 5, k: 3, stride: 1, pad: 1 },
    { n: 2, cin: 5, h: 9, w: 9, cout: 7, k: 3, stride: 2, pad: 1 },
    { n: 2, cin: 3, h: 19, w: 17, cout: 6, k: 7, stride: 2, pad: 3 },
    { n: 3, cin: 6, h: 6, w: 6, cout: 9, k: 2, stride: 1, pad: 0 },
    { n: 1, cin: 70, h: 5, w: 5, cout: 67, k: 3, stride: 1, pad: 1 },
    { n: 2, cin: 4, h: 8, w: 8, cout: 3, k: 1, stride: 1, pad: 0 },
    { n: 2, cin: 4, h: 24, w: 24, cout: 6, k: 3, stride: 1, pad: 1 }, // weight gradient takes the split-K path
  ].map((c): Case => ({
    name: `conv2d ${c.n}x${c.cin}x${c.h}x${c.w} k${c.k} s${c.stride} p${c.pad} -> ${c.cout}`,
    inputs: [
      { shape: [c.n, c.cin, c.h, c.w], grad: true },
      { shape: [c.cout, c.cin, c.k, c.k], grad: true },
      { shape: [c.cout], grad: true },
    ],
    op: ([x, w, b]) => ops.conv2d(x, w, b, { stride: c.stride, pad: c.pad }),
    tol: 2e-5,
  })),
  {
    name: "conv2d without bias",
    inputs: [{ shape: [2, 3, 6, 5], grad: true }, { shape: [4, 3, 3, 3], grad: true }],
    op: ([x, w]) => ops.conv2d(x, w, null, { pad: 1 }),
    tol: 2e-5,
  },
  ...[[1, 13, 5], [7, 70, 66], [65, 3, 129]].map(([n, din, dout]): Case => ({
    name: `linear ${n}x${din} -> ${dout}`,
    inputs: [{ shape: [n, din], grad: true }, { shape: [dout, din], grad: true }, {
      shape: [dout],
      grad: true,
    }],
    op: ([x, w, b]) => ops.linear(x, w, b),
    tol: 2e-5,
  })),
  {
    name: "matmul 67x33 . 33x65",
    inputs: [{ shape: [67, 33], grad: true }, { shape: [33, 65], grad: true }],
    op: ([a, b]) => ops.matmul(a, b),
    tol: 2e-5,
  },
  // Sizes that are multiples of 4 take the vec4 kernels, others the scalar ones: both are cased.
  { name: "relu", inputs: [{ shape: [3, 5, 7], grad: true }], op: ([x]) => ops.relu(x), tol: 1e-6 },
  {
    name: "relu (vec4 kernel: 48 elements)",
    inputs: [{ shape: [2, 4, 6], grad: true }],
    op: ([x]) => ops.relu(x),
    tol: 1e-6,
  },
  {
    name: "leakyRelu 0.25",
    inputs: [{ shape: [2, 3, 5, 5], grad: true }],
    op: ([x]) => ops.leakyRelu(x, 0.25),
    tol: 1e-6,
  },
  {
    name: "prelu channel-wise",
    inputs: [{ shape: [3, 5, 4, 3], grad: true }, {
      shape: [5],
      grad: true,
      values: [0.25, -0.1, 0.6, 1.3, 0],
    }],
    op: ([x, a]) => ops.prelu(x, a),
    tol: 1e-5,
  },
  {
    name: "prelu channel-wise on 3x3 planes (scalar kernel)",
    inputs: [{ shape: [2, 3, 3, 3], grad: true }, { shape: [3], grad: true, values: [0.25, -0.4, 0.9] }],
    op: ([x, a]) => ops.prelu(x, a),
    tol: 1e-5,
  },
  {
    name: "prelu channel-shared",
    inputs: [{ shape: [2, 7, 3, 3], grad: true }, { shape: [1], grad: true, values: [0.25] }],
    op: ([x, a]) => ops.prelu(x, a),
    tol: 1e-5,
  },
  {
    name: "prelu on fc features [N, C]",
    inputs: [{ shape: [4, 9], grad: true }, { shape: [9], grad: true, values: range(9, (i) => 0.1 * i) }],
    op: ([x, a]) => ops.prelu(x, a),
    tol: 1e-5,
  },
  ...[
    { shape: [2, 3, 9, 9], k: 3, stride: 3, pad: 0, ceil: false },
    { shape: [1, 2, 7, 8], k: 3, stride: 2, pad: 1, ceil: true },
    { shape: [2, 5, 6, 6], k: 2, stride: 2, pad: 0, ceil: false },
    { shape: [1, 3, 10, 11], k: 3, stride: 2, pad: 0, ceil: true },
  ].map((c): Case => ({
    name: `maxPool2d ${c.shape.join("x")} k${c.k} s${c.stride} p${c.pad} ${c.ceil ? "ceil" : "floor"}`,
    inputs: [{ shape: c.shape, grad: true }],
    op: ([x]) => ops.maxPool2d(x, c.k, { stride: c.stride, pad: c.pad, ceil: c.ceil }),
    tol: 1e-6,
  })),
  ...[
    { shape: [2, 3, 13, 13], levels: [6, 3, 2, 1] },
    { shape: [1, 4, 9, 7], levels: [7, 3, 2, 1] },
    { shape: [2, 3, 4, 4], levels: [6, 3, 2, 1] }, // a map smaller than the finest level
    { shape: [1, 2, 1, 1], levels: [2, 1] },
  ].map((c): Case => ({
    name: `spp ${c.shape.join("x")} {${c.levels}}`,
    inputs: [{ shape: c.shape, grad: true }],
    op: ([x]) => ops.spp(x, c.levels),
    tol: 1e-6,
  })),
  {
    name: "spp over a 5x6 window at (2, 1) of a 9x8 map",
    inputs: [{ shape: [2, 3, 9, 8], grad: true }],
    op: ([x]) => ops.spp(x, [3, 2, 1], { top: 2, left: 1, height: 5, width: 6 }),
    tol: 1e-6,
  },
  {
    name: "circularPad by 1, then a 3x3 conv (a torus)",
    inputs: [{ shape: [2, 3, 5, 4], grad: true }, { shape: [4, 3, 3, 3], grad: true }],
    op: ([x, w]) => ops.conv2d(ops.circularPad(x, 1), w),
    tol: 2e-5,
  },
  {
    name: "circularPad by 2",
    inputs: [{ shape: [1, 2, 3, 3], grad: true }],
    op: ([x]) => ops.circularPad(x, 2),
    tol: 1e-6,
  },
  {
    name: "globalAvgPool",
    inputs: [{ shape: [3, 5, 4, 7], grad: true }],
    op: ([x]) => ops.globalAvgPool(x),
    tol: 1e-5,
  },
  {
    name: "dropout 0.5 (seeded, same mask on both backends)",
    inputs: [{ shape: [4, 300], grad: true }],
    op: ([x]) => ops.dropout(x, 0.5, 12345, true),
    tol: 1e-6,
  },
  {
    name: "dropout 0.25 at an offset (a micro-batch's masks)",
    inputs: [{ shape: [2, 300], grad: true }],
    op: ([x]) => ops.dropout(x, 0.25, 777, true, 600),
    tol: 1e-6,
  },
  {
    name: "concatColumns of three fc slices (a weight stored in row blocks)",
    inputs: [{ shape: [4, 5], grad: true }, { shape: [4, 3], grad: true }, { shape: [4, 7], grad: true }],
    op: ([a, b, c]) => ops.concatColumns([a, b, c]),
    tol: 1e-6,
  },
  {
    name: "add",
    inputs: [{ shape: [5, 7], grad: true }, { shape: [5, 7], grad: true }],
    op: ([a, b]) => ops.add(a, b),
    tol: 1e-6,
  },
  {
    name: "mul",
    inputs: [{ shape: [5, 7], grad: true }, { shape: [5, 7], grad: true }],
    op: ([a, b]) => ops.mul(a, b),
    tol: 1e-6,
  },
  {
    name: "add (vec4 kernel: 36 elements)",
    inputs: [{ shape: [4, 9], grad: true }, { shape: [4, 9], grad: true }],
    op: ([a, b]) => ops.add(a, b),
    tol: 1e-6,
  },
  {
    name: "mul (vec4 kernel: 24 elements)",
    inputs: [{ shape: [3, 8], grad: true }, { shape: [3, 8], grad: true }],
    op: ([a, b]) => ops.mul(a, b),
    tol: 1e-6,
  },
  { name: "scale", inputs: [{ shape: [3, 11], grad: true }], op: ([a]) => ops.scale(a, -0.3), tol: 1e-6 },
  // Values around 1, so the error is measured against a sum that does not cancel to near zero.
  {
    name: "sum",
    inputs: [{ shape: [1000, 3], grad: true, values: range(3000, (i) => 1 + Math.sin(i * 0.77)) }],
    op: ([a]) => ops.sum(a),
    tol: 1e-5,
  },
  { name: "mean", inputs: [{ shape: [17, 5], grad: true }], op: ([a]) => ops.mean(a), tol: 1e-5 },
  {
    name: "flatten + linear",
    inputs: [{ shape: [2, 3, 2, 2], grad: true }, { shape: [5, 12], grad: true }],
    op: ([x, w]) => ops.linear(x.flatten(), w),
    tol: 2e-5,
  },
  {
    name: "softmaxCrossEntropy",
    inputs: [{ shape: [6, 11], grad: true }, { shape: [6], values: [0, 10, 3, 3, 7, 1] }],
    op: ([z, y]) => ops.softmaxCrossEntropy(z, y),
    tol: 1e-5,
  },
  {
    name: "softmax",
    inputs: [{ shape: [5, 13] }],
    op: ([z]) => ops.softmax(z),
    tol: 1e-6,
    noBackward: true,
  },
  {
    name: "topkCorrect k=5",
    inputs: [{ shape: [40, 12] }, { shape: [40], values: range(40, (i) => (i * 7) % 12) }],
    op: ([z, y]) => ops.topkCorrect(z, y, 5),
    tol: 0,
    noBackward: true,
  },
];

/** Runs y = op(inputs), back-propagates sum(y * r) for a fixed random r, returns y and input gradients. */
export async function runCase(
  backend: Backend,
  c: Case,
): Promise<{ y: Float64Array; grads: (Float64Array | null)[] }> {
  return await tidy(async () => {
    const values = caseInputs(c);
    const xs = c.inputs.map((input, i) => tensor(backend, values[i], input.shape, !!input.grad));
    const y = c.op(xs);
    if (!c.noBackward) {
      const r = tensor(backend, randomF32(y.size, 999), [...y.shape]);
      ops.sum(ops.mul(y, r)).backward();
    }
    const grads = await Promise.all(xs.map((x) => (x.grad ? x.grad.toArray() : Promise.resolve(null))));
    for (const x of xs) x.grad?.dispose();
    return { y: await y.toArray(), grads };
  });
}

/** The inputs of a case, as the f32-rounded values both backends use. */
export function caseInputs(c: Case): Float64Array[] {
  return c.inputs.map((input, i) =>
    input.values
      ? Float64Array.from(input.values)
      : randomF32(input.shape.reduce((a, b) => a * b, 1), 1000 + i)
  );
}
