/**
 * The primitive ops a backend provides. The autograd layer (lib/tensor.ts, lib/ops.ts) is written once against
 * this interface; `WebGpuBackend` runs it on f32 WGSL kernels, `ReferenceBackend` on the float64 CPU reference.
 * Every method records work and returns at once; only `read` waits.
 */
import type { ConvGeometry, PoolGeometry, SppGeometry } from "./geometry.ts";

/** Backend-owned memory for `length` numbers. */
export interface Storage {
  readonly length: number;
}

export type ReduceMode = "sum" | "nonfinite";

export interface Backend {
  readonly name: "webgpu" | "reference";
  /** Adapter or CPU description, for result records. */
  describe(): string;
  /** The largest storage one op may bind, in bytes (the adapter's maxStorageBufferBindingSize). */
  maxBindingBytes(): number;
  upload(data: ArrayLike<number>): Storage;
  zeros(length: number): Storage;
  /** Overwrites a storage's values (checkpoint restore). */
  write(s: Storage, data: ArrayLike<number>): void;
  read(s: Storage): Promise<Float64Array>;
  release(s: Storage): void;
  /** Frees the memory kept for reuse by released storage (no-op on the CPU): between paper-size models. */
  trim(): void;
  /** Submits recorded work (no-op on the CPU). */
  flush(): void;

  conv2d(x: Storage, w: Storage, bias: Storage | null, g: ConvGeometry): Storage;
  conv2dGradInput(dy: Storage, w: Storage, g: ConvGeometry): Storage;
  conv2dGradWeight(dy: Storage, x: Storage, g: ConvGeometry): Storage;
  /** out[c] = scale * sum over n and s of a ("sum") or of [a is NaN or Inf] ("nonfinite") on [n, c, s] views. */
  channelSum(
    a: Storage,
    n: number,
    c: number,
    s: number,
    scale: number,
    mode: ReduceMode,
  ): Storage;
  matmul(
    a: Storage,
    b: Storage,
    bias: Storage | null,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
  ): Storage;
  activation(x: Storage, slopes: Storage | null, fixedSlope: number, c: number, s: number): Storage;
  activationGradInput(
    dy: Storage,
    x: Storage,
    slopes: Storage | null,
    fixedSlope: number,
    c: number,
    s: number,
  ): Storage;
  /**
   * PReLU backward on an [n, c, s] tensor: the input gradient, and scale * the slope gradient (sum of
   * dy * min(x, 0), per channel, or over everything when `slopes` has one value).
   */
  preluGrad(
    dy: Storage,
    x: Storage,
    slopes: Storage,
    n: number,
    c: number,
    s: number,
    scale: number,
  ): { dx: Storage; dslopes: Storage };
  maxPool(x: Storage, g: PoolGeometry): { y: Storage; argmax: Storage };
  maxPoolGrad(dy: Storage, argmax: Storage, g: PoolGeometry): Storage;
  spp(x: Storage, g: SppGeometry): { y: Storage; argmax: Storage };
  sppGrad(dy: Storage, argmax: Storage, g: SppGeometry): Storage;
  /** Mask element i by hash(seed, offset + i): `offset` places a micro-batch inside its batch. */
  dropout(x: Storage, rate: number, seed: number, offset?: number): Storage;
  /** Wrap-around padding of [planes, h, w] maps by `pad` (fold = its adjoint, from padded maps back). */
  circularPad(x: Storage, planes: number, h: number, w: number, pad: number, fold: boolean): Storage;
  /** [rows, sum of widths]: the [rows, widths[k]] matrices side by side. */
  concatColumns(parts: Storage[], rows: number, widths: number[]): Storage;
  /** [rows, width]: columns first .. first + width - 1 of a [rows, total] matrix. */
  sliceColumns(x: Storage, rows: number, total: number, first: number, width: number): Storage;
  /** alpha * a + beta * b */
  axpby(a: Storage, b: Storage, alpha: number, beta: number): Storage;
  /** alpha * a * b */
  mul(a: Storage, b: Storage, alpha: number): Storage;
  /** out[i] = alpha * a[floor(i / s)] for i < total */
  broadcast(a: Storage, s: number, alpha: number, total: number): Storage;
  softmaxCrossEntropy(logits: Storage, labels: Storage, rows: number, classes: number): {
    loss: Storage;
    probs: Storage;
  };
  /** Row-wise softmax probabilities (evaluation). */
  softmax(logits: Storage, rows: number, classes: number): Storage;
  softmaxCrossEntropyGrad(
    probs: Storage,
    labels: Storage,
    dloss: Storage,
    rows: number,
    classes: number,
  ): Storage;
  /** [top-1 correct, top-k correct] counts over the rows. */
  topkCorrect(logits: Storage, labels: Storage, rows: number, classes: number, k: number): Storage;
  /** In place on w and v. */
  sgdUpdate(w: Storage, g: Storage, v: Storage, lr: number, momentum: number, weightDecay: number): void;
}
