/** The float64 CPU backend: the reference ops behind the Backend interface, for tests and cross-checks. */
import * as ref from "./ops.ts";
import type { Backend, ReduceMode, Storage } from "../backend.ts";
import type { ConvGeometry, PoolGeometry, SppGeometry } from "../geometry.ts";

const f = (s: Storage) => s as Float64Array;
const opt = (s: Storage | null) => (s ? f(s) : null);

export class ReferenceBackend implements Backend {
  readonly name = "reference" as const;
  describe(): string {
    return "float64 CPU reference";
  }
  maxBindingBytes(): number {
    return Number.MAX_SAFE_INTEGER;
  }

  upload(data: ArrayLike<number>): Storage {
    return Float64Array.from(data);
  }
  zeros(length: number): Storage {
    return new Float64Array(length);
  }
  write(s: Storage, data: ArrayLike<number>): void {
    f(s).set(data);
  }
  read(s: Storage): Promise<Float64Array> {
    return Promise.resolve(Float64Array.from(f(s)));
  }
  release(_s: Storage): void {}
  trim(): void {}
  flush(): void {}

  conv2d(x: Storage, w: Storage, bias: Storage | null, g: ConvGeometry): Storage {
    return ref.conv2d(f(x), f(w), opt(bias), g);
  }
  conv2dGradInput(dy: Storage, w: Storage, g: ConvGeometry): Storage {
    return ref.conv2dGradInput(f(dy), f(w), g);
  }
  conv2dGradWeight(dy: Storage, x: Storage, g: ConvGeometry): Storage {
    return ref.conv2dGradWeight(f(dy), f(x), g);
  }
  channelSum(a: Storage, n: number, c: number, s: number, scale: number, mode: ReduceMode) {
    return ref.channelSum(f(a), null, n, c, s, scale, mode);
  }
  matmul(
    a: Storage,
    b: Storage,
    bias: Storage | null,
    m: number,
    k: number,
    n: number,
    ta: boolean,
    tb: boolean,
  ) {
    return ref.matmul(f(a), f(b), opt(bias), m, k, n, ta, tb);
  }
  activation(x: Storage, slopes: Storage | null, fixedSlope: number, c: number, s: number): Storage {
    return ref.activation(f(x), opt(slopes), fixedSlope, c, s);
  }
  activationGradInput(
    dy: Storage,
    x: Storage,
    slopes: Storage | null,
    fixedSlope: number,
    c: number,
    s: number,
  ) {
    return ref.activationGradInput(f(dy), f(x), opt(slopes), fixedSlope, c, s);
  }
  preluGrad(dy: Storage, x: Storage, slopes: Storage, n: number, c: number, s: number, scale: number) {
    const shared = slopes.length === 1;
    return {
      dx: ref.activationGradInput(f(dy), f(x), f(slopes), 0, shared ? 1 : c, s),
      dslopes: shared
        ? ref.channelSum(f(dy), f(x), 1, 1, f(x).length, scale, "prelu")
        : ref.channelSum(f(dy), f(x), n, c, s, scale, "prelu"),
    };
  }
  maxPool(x: Storage, g: PoolGeometry) {
    return ref.maxPool(f(x), g);
  }
  maxPoolGrad(dy: Storage, argmax: Storage, g: PoolGeometry): Storage {
    return ref.maxPoolGrad(f(dy), f(argmax), g);
  }
  spp(x: Storage, g: SppGeometry) {
    return ref.spp(f(x), g);
  }
  sppGrad(dy: Storage, argmax: Storage, g: SppGeometry): Storage {
    return ref.sppGrad(f(dy), f(argmax), g);
  }
  dropout(x: Storage, rate: number, seed: number, offset = 0): Storage {
    return ref.dropout(f(x), rate, seed, offset);
  }
  concatColumns(parts: Storage[], rows: number, widths: number[]): Storage {
    return ref.concatColumns(parts.map(f), rows, widths);
  }
  sliceColumns(x: Storage, rows: number, total: number, first: number, width: number): Storage {
    return ref.sliceColumns(f(x), rows, total, first, width);
  }
  circularPad(x: Storage, planes: number, h: number, w: number, pad: number, fold: boolean): Storage {
    return ref.circularPad(f(x), planes, h, w, pad, fold);
  }
  axpby(a: Storage, b: Storage, alpha: number, beta: number): Storage {
    const bb = f(b);
    return f(a).map((v, i) => alpha * v + beta * bb[i]);
  }
  mul(a: Storage, b: Storage, alpha: number): Storage {
    const bb = f(b);
    return f(a).map((v, i) => alpha * v * bb[i]);
  }
  broadcast(a: Storage, s: number, alpha: number, total: number): Storage {
    const aa = f(a);
    return Float64Array.from({ length: total }, (_, i) => alpha * aa[Math.floor(i / s)]);
  }
  softmaxCrossEntropy(logits: Storage, labels: Storage, rows: number, classes: number) {
    return ref.softmaxCrossEntropy(f(logits), f(labels), rows, classes);
  }
  softmax(logits: Storage, rows: number, classes: number): Storage {
    return ref.softmaxCrossEntropy(f(logits), new Float64Array(rows), rows, classes).probs;
  }
  softmaxCrossEntropyGrad(probs: Storage, labels: Storage, dloss: Storage, rows: number, classes: number) {
    return ref.softmaxCrossEntropyGrad(f(probs), f(labels), f(dloss)[0], rows, classes);
  }
  topkCorrect(logits: Storage, labels: Storage, rows: number, classes: number, k: number): Storage {
    return ref.topkCorrect(f(logits), f(labels), rows, classes, k);
  }
  sgdUpdate(w: Storage, g: Storage, v: Storage, lr: number, momentum: number, weightDecay: number): void {
    ref.sgdUpdate(f(w), f(g), f(v), lr, momentum, weightDecay);
  }
}
