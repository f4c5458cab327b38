/**
 * Differentiable ops on Tensors. Each validates shapes (errors name the op and the shapes), calls backend
 * primitives, and records a GradNode whose backward returns one fresh storage per input.
 */
import type { Backend, Storage } from "./backend.ts";
import { convGeometry, fmtShape, poolGeometry, ShapeError, sppGeometry, type SppWindow } from "./geometry.ts";
import { type GradNode, isGradEnabled, Tensor } from "./tensor.ts";
import { faultActive } from "./faults.ts";

function result(
  backend: Backend,
  storage: Storage,
  shape: readonly number[],
  op: string,
  inputs: Tensor[],
  backward: GradNode["backward"],
  keepAlive: Storage[] = [],
): Tensor {
  const out = new Tensor(backend, storage, shape);
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
    // Saved state (argmax, probabilities) lives as long as the tidy scope that holds the output.
    for (const saved of keepAlive) new Tensor(backend, saved, [saved.length]);
  } else {
    for (const s of keepAlive) backend.release(s);
  }
  return out;
}

function sameBackend(op: string, ...ts: Tensor[]): Backend {
  const b = ts[0].backend;
  for (const t of ts) {
    if (t.backend !== b) {
      throw new Error(`${op}: tensors live on different backends (${b.name}, ${t.backend.name})`);
    }
  }
  return b;
}

function expectRank(op: string, what: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) {
    throw new ShapeError(`${op}: ${what} must be ${rank}-D, got ${fmtShape(t.shape)}`);
  }
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: shapes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
}

export interface Conv2dOptions {
  stride?: number;
  pad?: number;
}

/** 2-D convolution, NCHW input, weight [out, in, kh, kw], optional bias [out]. */
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  const backend = sameBackend("conv2d", x, w, ...(bias ? [bias] : []));
  const g = convGeometry(x.shape, w.shape, opts.stride ?? 1, opts.pad ?? 0);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.cout)) {
    throw new ShapeError(
      `conv2d: bias must be [${g.cout}] for weight ${fmtShape(w.shape)}, got ${fmtShape(bias.shape)}`,
    );
  }
  const y = backend.conv2d(x.storage, w.storage, bias?.storage ?? null, g);
  const inputs = bias ? [x, w, bias] : [x, w];
  return result(backend, y, [g.n, g.cout, g.oh, g.ow], "conv2d", inputs, (dy) => {
    const grads: (Storage | null)[] = [
      x.requiresGrad ? backend.conv2dGradInput(dy, w.storage, g) : null,
      w.requiresGrad ? backend.conv2dGradWeight(dy, x.storage, g) : null,
    ];
    if (bias) {
      grads.push(bias.requiresGrad ? backend.channelSum(dy, g.n, g.cout, g.oh * g.ow, 1, "sum") : null);
    }
    return grads;
  });
}

/** Fully connected layer: x [N, in], weight [out, in], optional bias [out]. */
export function linear(x: Tensor, w: Tensor, bias: Tensor | null = null): Tensor {
  const backend = sameBackend("linear", x, w, ...(bias ? [bias] : []));
  expectRank("linear", "input", x, 2);
  expectRank("linear", "weight", w, 2);
  const [n, din] = x.shape;
  const [dout, win] = w.shape;
  if (din !== win) {
    throw new ShapeError(
      `linear: input ${fmtShape(x.shape)} has ${din} features, weight ${fmtShape(w.shape)} expects ${win}`,
    );
  }
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== dout)) {
    throw new ShapeError(`linear: bias must be [${dout}], got ${fmtShape(bias.shape)}`);
  }
  const y = backend.matmul(x.storage, w.storage, bias?.storage ?? null, n, din, dout, false, true);
  const inputs = bias ? [x, w, bias] : [x, w];
  return result(backend, y, [n, dout], "linear", inputs, (dy) => {
    const grads: (Storage | null)[] = [
      x.requiresGrad ? backend.matmul(dy, w.storage, null, n, dout, din, false, false) : null,
      w.requiresGrad ? backend.matmul(dy, x.storage, null, dout, n, din, true, false) : null,
    ];
    if (bias) grads.push(bias.requiresGrad ? backend.channelSum(dy, n, dout, 1, 1, "sum") : null);
    return grads;
  });
}

/** Matrix product of a [M, K] and b [K, N]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const backend = sameBackend("matmul", a, b);
  expectRank("matmul", "left operand", a, 2);
  expectRank("matmul", "right operand", b, 2);
  const [m, k] = a.shape;
  const [k2, n] = b.shape;
  if (k !== k2) {
    throw new ShapeError(`matmul: inner sizes differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  }
  const c = backend.matmul(a.storage, b.storage, null, m, k, n, false, false);
  return result(backend, c, [m, n], "matmul", [a, b], (dc) => [
    a.requiresGrad ? backend.matmul(dc, b.storage, null, m, n, k, false, true) : null,
    b.requiresGrad ? backend.matmul(a.storage, dc, null, k, m, n, true, false) : null,
  ]);
}

/** Channels and per-channel size of an [N, C, ...] tensor. */
function channelLayout(op: string, x: Tensor): { n: number; c: number; s: number } {
  if (x.shape.length < 2) throw new ShapeError(`${op}: input must be [N, C, ...], got ${fmtShape(x.shape)}`);
  const [n, c] = x.shape;
  return { n, c, s: x.size / (n * c) };
}

function fixedSlopeActivation(op: string, x: Tensor, slope: number): Tensor {
  const backend = x.backend;
  const y = backend.activation(x.storage, null, slope, 1, 1);
  return result(
    backend,
    y,
    x.shape,
    op,
    [x],
    (dy) => [backend.activationGradInput(dy, x.storage, null, slope, 1, 1)],
  );
}

export function relu(x: Tensor): Tensor {
  return fixedSlopeActivation("relu", x, 0);
}

/** Leaky ReLU with a fixed slope (the paper's LReLU row uses a = 0.25). */
export function leakyRelu(x: Tensor, slope: number): Tensor {
  return fixedSlopeActivation("leakyRelu", x, slope);
}

/**
 * PReLU (paper Eq. 1) on an [N, C, ...] tensor with learned slopes `a`: [C] channel-wise or [1] channel-shared.
 * The slope gradient sums dy * min(x, 0) over every position, and over channels when shared (Eq. 2-3).
 */
export function prelu(x: Tensor, a: Tensor): Tensor {
  const backend = sameBackend("prelu", x, a);
  const { n, c, s } = channelLayout("prelu", x);
  if (a.shape.length !== 1 || (a.shape[0] !== c && a.shape[0] !== 1)) {
    throw new ShapeError(
      `prelu: slopes must be [${c}] (channel-wise) or [1] (channel-shared) for input ${fmtShape(x.shape)}, ` +
        `got ${fmtShape(a.shape)}`,
    );
  }
  const shared = a.shape[0] === 1;
  const y = backend.activation(x.storage, a.storage, 0, shared ? 1 : c, s);
  const slopeScale = faultActive("prelu-slope-grad-half") ? 0.5 : 1;
  return result(backend, y, x.shape, "prelu", [x, a], (dy) => {
    // One fused pass gives both gradients; an unneeded one is dropped.
    const { dx, dslopes } = backend.preluGrad(dy, x.storage, a.storage, n, c, s, slopeScale);
    if (!x.requiresGrad) backend.release(dx);
    if (!a.requiresGrad) backend.release(dslopes);
    return [x.requiresGrad ? dx : null, a.requiresGrad ? dslopes : null];
  });
}

export interface PoolOptions {
  stride?: number;
  pad?: number;
  /** Output size rounded up (Caffe's default) instead of down. */
  ceil?: boolean;
}

export function maxPool2d(x: Tensor, kernel: number, opts: PoolOptions = {}): Tensor {
  const backend = x.backend;
  const g = poolGeometry(x.shape, kernel, opts.stride ?? kernel, opts.pad ?? 0, opts.ceil ?? false);
  const { y, argmax } = backend.maxPool(x.storage, g);
  return result(
    backend,
    y,
    [g.n, g.c, g.oh, g.ow],
    "maxPool2d",
    [x],
    (dy) => {
      return [backend.maxPoolGrad(dy, argmax, g)];
    },
    [argmax],
  );
}

/**
 * Spatial pyramid max pooling (SPP-net) to [N, C * sum(level^2)], e.g. levels [6, 3, 2, 1] or [7, 3, 2, 1].
 * `window` pools a sub-window of the map instead (dense evaluation slides it over a larger map).
 */
export function spp(x: Tensor, levels: readonly number[], window: SppWindow | null = null): Tensor {
  const backend = x.backend;
  const g = sppGeometry(x.shape, levels, window);
  const { y, argmax } = backend.spp(x.storage, g);
  return result(
    backend,
    y,
    [g.n, g.c * g.bins],
    "spp",
    [x],
    (dy) => {
      return [backend.sppGrad(dy, argmax, g)];
    },
    [argmax],
  );
}

/** [N, C, H, W] to [N, C] by averaging each map. */
export function globalAvgPool(x: Tensor): Tensor {
  expectRank("globalAvgPool", "input", x, 4);
  const backend = x.backend;
  const [n, c, h, w] = x.shape;
  const y = backend.channelSum(x.storage, 1, n * c, h * w, 1 / (h * w), "sum");
  return result(
    backend,
    y,
    [n, c],
    "globalAvgPool",
    [x],
    (dy) => [backend.broadcast(dy, h * w, 1 / (h * w), x.size)],
  );
}

/**
 * Inverted dropout with a mask derived from `seed` (draw it from the run's Rng); identity when not training.
 * `offset` is the index of x's first element in the whole batch (non-zero for a micro-batch after the first).
 */
export function dropout(x: Tensor, rate: number, seed: number, training: boolean, offset = 0): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (!training || rate === 0) return x;
  const backend = x.backend;
  const s = seed >>> 0;
  const y = backend.dropout(x.storage, rate, s, offset);
  return result(backend, y, x.shape, "dropout", [x], (dy) => [backend.dropout(dy, rate, s, offset)]);
}

/** [n, sum of widths]: 2-D tensors with the same rows side by side (an fc layer stored in row blocks). */
export function concatColumns(parts: Tensor[]): Tensor {
  if (!parts.length) throw new ShapeError("concatColumns: needs at least one tensor");
  parts.forEach((p, k) => expectRank("concatColumns", `part ${k}`, p, 2));
  const rows = parts[0].shape[0];
  const bad = parts.findIndex((p) => p.shape[0] !== rows);
  if (bad >= 0) {
    throw new ShapeError(`concatColumns: part ${bad} has ${parts[bad].shape[0]} rows, part 0 has ${rows}`);
  }
  const backend = sameBackend("concatColumns", ...parts);
  const widths = parts.map((p) => p.shape[1]);
  const total = widths.reduce((a, b) => a + b, 0);
  const y = backend.concatColumns(parts.map((p) => p.storage), rows, widths);
  return result(backend, y, [rows, total], "concatColumns", parts, (dy) => {
    let first = 0;
    return widths.map((w) => {
      const g = backend.sliceColumns(dy, rows, total, first, w);
      first += w;
      return g;
    });
  });
}

/** Wrap-around padding of the spatial dims of an NCHW tensor: convolutions on a torus, with no border. */
export function circularPad(x: Tensor, pad: number): Tensor {
  expectRank("circularPad", "input", x, 4);
  const [n, c, h, w] = x.shape;
  if (!Number.isInteger(pad) || pad < 0 || pad > h || pad > w) {
    throw new ShapeError(`circularPad: pad must be an integer in [0, ${Math.min(h, w)}], got ${pad}`);
  }
  const backend = x.backend;
  const y = backend.circularPad(x.storage, n * c, h, w, pad, false);
  return result(backend, y, [n, c, h + 2 * pad, w + 2 * pad], "circularPad", [x], (dy) => [
    backend.circularPad(dy, n * c, h, w, pad, true),
  ]);
}

export function add(a: Tensor, b: Tensor): Tensor {
  const backend = sameBackend("add", a, b);
  sameShape("add", a, b);
  const y = backend.axpby(a.storage, b.storage, 1, 1);
  // Distinct storages per input: the tape frees each one it is handed.
  return result(backend, y, a.shape, "add", [a, b], (dy) => [
    a.requiresGrad ? backend.axpby(dy, dy, 1, 0) : null,
    b.requiresGrad ? backend.axpby(dy, dy, 1, 0) : null,
  ]);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const backend = sameBackend("mul", a, b);
  sameShape("mul", a, b);
  const y = backend.mul(a.storage, b.storage, 1);
  return result(backend, y, a.shape, "mul", [a, b], (dy) => [
    a.requiresGrad ? backend.mul(dy, b.storage, 1) : null,
    b.requiresGrad ? backend.mul(dy, a.storage, 1) : null,
  ]);
}

export function scale(x: Tensor, factor: number): Tensor {
  const backend = x.backend;
  const y = backend.axpby(x.storage, x.storage, factor, 0);
  return result(backend, y, x.shape, "scale", [x], (dy) => [backend.axpby(dy, dy, factor, 0)]);
}

/** Sum of all elements, shape [1]. */
export function sum(x: Tensor): Tensor {
  return reduceAll("sum", x, 1);
}

/** Mean of all elements, shape [1]. */
export function mean(x: Tensor): Tensor {
  return reduceAll("mean", x, 1 / x.size);
}

function reduceAll(op: string, x: Tensor, factor: number): Tensor {
  const backend = x.backend;
  const y = backend.channelSum(x.storage, 1, 1, x.size, factor, "sum");
  return result(backend, y, [1], op, [x], (dy) => [backend.broadcast(dy, x.size, factor, x.size)]);
}

function checkLabels(op: string, logits: Tensor, labels: Tensor): { rows: number; classes: number } {
  expectRank(op, "logits", logits, 2);
  const [rows, classes] = logits.shape;
  if (labels.shape.length !== 1 || labels.shape[0] !== rows) {
    throw new ShapeError(
      `${op}: labels must be [${rows}] for logits ${fmtShape(logits.shape)}, got ${fmtShape(labels.shape)}`,
    );
  }
  return { rows, classes };
}

/** Mean softmax cross-entropy over the batch; labels hold class indices as numbers. */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const backend = sameBackend("softmaxCrossEntropy", logits, labels);
  const { rows, classes } = checkLabels("softmaxCrossEntropy", logits, labels);
  const { loss, probs } = backend.softmaxCrossEntropy(logits.storage, labels.storage, rows, classes);
  return result(
    backend,
    loss,
    [1],
    "softmaxCrossEntropy",
    [logits],
    (dloss) => {
      return [backend.softmaxCrossEntropyGrad(probs, labels.storage, dloss, rows, classes)];
    },
    [probs],
  );
}

/** Row-wise softmax of [N, classes] logits, for scoring (no gradient). */
export function softmax(logits: Tensor): Tensor {
  expectRank("softmax", "logits", logits, 2);
  const [rows, classes] = logits.shape;
  return new Tensor(logits.backend, logits.backend.softmax(logits.storage, rows, classes), logits.shape);
}

/** [top-1 correct, top-k correct] over the batch, on the device (no gradient). */
export function topkCorrect(logits: Tensor, labels: Tensor, k = 5): Tensor {
  const backend = sameBackend("topkCorrect", logits, labels);
  const { rows, classes } = checkLabels("topkCorrect", logits, labels);
  return new Tensor(backend, backend.topkCorrect(logits.storage, labels.storage, rows, classes, k), [2]);
}

/** Number of NaN or Inf values, shape [1], on the device (read it when convenient). */
export function countNonFinite(x: Tensor): Tensor {
  return new Tensor(x.backend, x.backend.channelSum(x.storage, 1, 1, x.size, 1, "nonfinite"), [1]);
}

/** Throws a clear error when a value read back from the device is NaN or Inf (training-loop guard). */
export function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) {
    throw new NonFiniteError(
      `${what} is ${value}: training diverged. Lower the learning rate, check the initialization, or resume from ` +
        `the last good checkpoint.`,
    );
  }
}

export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NonFiniteError";
  }
}
