/**
 * The WebGPU backend: f32 storage in pooled GPU buffers, every op one or a few WGSL dispatches, no readbacks.
 * Convolutions and matrix products run on the implicit GEMM (no im2col or repacking passes); the packed GEMM
 * with col2im remains for the input gradient of strided convolutions.
 */
import type { Backend, ReduceMode, Storage } from "../backend.ts";
import { type GpuEngine, grid1d, type KernelParams } from "./engine.ts";
import type { ConvGeometry, PoolGeometry, SppGeometry } from "../geometry.ts";
import type { GemmBlock } from "./gemm_variant.ts";
import { ImplicitGemm } from "./implicit_gemm.ts";
import { PackedGemm } from "./packed_gemm.ts";

/**
 * The GEMM register block for an adapter: 16 x 16 outputs per invocation on a CPU (lavapipe), where loads cost
 * far more than multiply-adds; 8 x 8 on a GPU, where registers per thread limit occupancy.
 */
export function defaultBlock(engine: GpuEngine): GemmBlock {
  return engine.adapter.isFallbackAdapter ? { ra: 4, cb: 4 } : { ra: 2, cb: 2 };
}

export class GpuStorage implements Storage {
  constructor(readonly buffer: GPUBuffer, readonly length: number, readonly dtype: "f32" | "u32" = "f32") {}
}

/** Elements per invocation in kernels/plane_runs.wgsl (its RUN). */
const RUN = 64;
/** Elements per invocation in kernels/reduce_runs.wgsl (its RUN). */
const REDUCE_RUN = 16;
const REDUCE_MODES: Record<ReduceMode, number> = { sum: 0, nonfinite: 2 };

export class WebGpuBackend implements Backend {
  readonly name = "webgpu" as const;
  private readonly dummy: GPUBuffer;
  /** A second placeholder for unused read-write bindings (a buffer cannot be bound read-only and writable). */
  private readonly scratch: GPUBuffer;
  private readonly sppTables = new Map<string, GPUBuffer>();

  readonly gemm: ImplicitGemm;
  readonly packed: PackedGemm;

  /**
   * `block` overrides the GEMM register block, `uniformB` whether small B operands are bound as uniform buffers
   * (default: on CPU adapters) and `panelBytes` the col2im budget per chunk of images (tests use them to
   * exercise every variant and the chunked path).
   */
  constructor(
    readonly engine: GpuEngine,
    opts: { block?: GemmBlock; panelBytes?: number; uniformB?: boolean } = {},
  ) {
    this.dummy = engine.upload(new Float32Array(4), "a placeholder binding");
    this.scratch = engine.upload(new Float32Array(4), "a placeholder binding");
    // A software adapter runs one workgroup of 64 invocations per core; a GPU wants thousands of invocations.
    const minLanes = engine.adapter.isFallbackAdapter ? 256 : 8192;
    const block = opts.block ?? defaultBlock(engine);
    const uniformB = opts.uniformB ?? engine.adapter.isFallbackAdapter;
    this.gemm = new ImplicitGemm(engine, block, this.dummy, minLanes, uniformB);
    this.packed = new PackedGemm(engine, block, this.dummy, minLanes, opts.panelBytes);
  }

  describe(): string {
    return this.engine.adapter.description || this.engine.adapter.vendor;
  }

  maxBindingBytes(): number {
    // Whole MiB: the buffer pool rounds large buffers up to a MiB.
    const limit = Math.min(this.engine.limits.maxStorageBufferBindingSize, this.engine.limits.maxBufferSize);
    return Math.floor(limit / 2 ** 20) * 2 ** 20;
  }

  private out(length: number, what: string, dtype: "f32" | "u32" = "f32"): GpuStorage {
    return new GpuStorage(this.engine.alloc(Math.max(length, 1) * 4, what), length, dtype);
  }

  upload(data: ArrayLike<number>): Storage {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    return new GpuStorage(this.engine.upload(f), f.length);
  }

  zeros(length: number): Storage {
    const s = this.out(length, "a zero tensor");
    this.engine.clear(s.buffer, Math.max(length, 1) * 4);
    return s;
  }

  write(s: Storage, data: ArrayLike<number>): void {
    if (data.length !== s.length) throw new Error(`write: ${data.length} values into storage of ${s.length}`);
    this.engine.write(buf(s), data instanceof Float32Array ? data : Float32Array.from(data));
  }

  async read(s: Storage): Promise<Float64Array> {
    const g = s as GpuStorage;
    const bytes = await this.engine.read(g.buffer, g.length * 4);
    return Float64Array.from(g.dtype === "u32" ? new Uint32Array(bytes) : new Float32Array(bytes));
  }

  release(s: Storage): void {
    this.engine.release((s as GpuStorage).buffer);
  }

  flush(): void {
    this.engine.flush();
  }

  trim(): void {
    // Released buffers may still be bound by submitted work: destroying them waits for nothing, so submit first.
    this.engine.flush();
    this.engine.trim();
  }

  private elementwise(kernel: string, buffers: GPUBuffer[], params: KernelParams, total: number): void {
    this.engine.dispatch(
      kernel,
      buffers,
      params,
      grid1d(total, 256, this.engine.limits.maxComputeWorkgroupsPerDimension),
    );
  }

  conv2d(x: Storage, w: Storage, bias: Storage | null, g: ConvGeometry): Storage {
    const y = this.out(g.n * g.cout * g.oh * g.ow, "conv2d output");
    this.gemm.conv2d(buf(x), buf(w), bias ? buf(bias) : null, y.buffer, g);
    return y;
  }

  conv2dGradInput(dy: Storage, w: Storage, g: ConvGeometry): Storage {
    const dx = this.out(g.n * g.cin * g.h * g.w, "conv2d input gradient");
    if (ImplicitGemm.handlesGradInput(g)) this.gemm.conv2dGradInput(buf(dy), buf(w), dx.buffer, g);
    else this.packed.conv2dGradInput(buf(dy), buf(w), dx.buffer, g);
    return dx;
  }

  conv2dGradWeight(dy: Storage, x: Storage, g: ConvGeometry): Storage {
    const dw = this.out(g.cout * g.cin * g.kh * g.kw, "conv2d weight gradient");
    this.gemm.conv2dGradWeight(buf(dy), buf(x), dw.buffer, g);
    return dw;
  }

  /** Sums per channel in two passes: runs of each plane, then each channel's runs (no barriers). */
  channelSum(
    a: Storage,
    n: number,
    c: number,
    s: number,
    scale: number,
    mode: ReduceMode,
  ) {
    const runs = Math.ceil(s / REDUCE_RUN);
    const partial = this.out(n * c * runs, "reduction partial sums");
    this.elementwise("reduce_runs", [buf(a), partial.buffer], {
      planes: n * c,
      s,
      runs,
      mode: REDUCE_MODES[mode],
    }, n * c * runs);
    const out = this.finishReduction(partial, n, c, runs, scale);
    this.release(partial);
    return out;
  }

  private finishReduction(
    partial: GpuStorage,
    n: number,
    c: number,
    runs: number,
    scale: number,
  ): GpuStorage {
    const out = this.out(c, "a reduction");
    this.elementwise("reduce_planes", [partial.buffer, out.buffer], { n, c, runs, scale }, c);
    return out;
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
    const c = this.out(m * n, "matmul output");
    this.gemm.matmul(buf(a), buf(b), bias ? buf(bias) : null, c.buffer, m, k, n, ta, tb);
    return c;
  }

  activation(x: Storage, slopes: Storage | null, fixedSlope: number, c: number, s: number): Storage {
    const y = this.out(x.length, "activation output");
    this.planeRuns(
      "rectifier_forward",
      [buf(x), slopes ? buf(slopes) : this.dummy, y.buffer],
      x.length,
      c,
      s,
      slopes,
      fixedSlope,
    );
    return y;
  }

  activationGradInput(
    dy: Storage,
    x: Storage,
    slopes: Storage | null,
    fixedSlope: number,
    c: number,
    s: number,
  ) {
    const dx = this.out(x.length, "activation input gradient");
    this.planeRuns(
      "rectifier_grad_input",
      [buf(dy), buf(x), slopes ? buf(slopes) : this.dummy, dx.buffer, this.scratch],
      x.length,
      c,
      s,
      slopes,
      fixedSlope,
    );
    return dx;
  }

  preluGrad(dy: Storage, x: Storage, slopes: Storage, n: number, c: number, s: number, scale: number) {
    const dx = this.out(x.length, "PReLU input gradient");
    const runs = Math.ceil(s / RUN);
    const partial = this.out(x.length / s * runs, "PReLU slope gradient partial sums");
    this.planeRuns(
      "rectifier_grad_input",
      [buf(dy), buf(x), buf(slopes), dx.buffer, partial.buffer],
      x.length,
      slopes.length,
      s,
      slopes,
      0,
    );
    // Channel-wise: per channel over images and runs; channel-shared: everything into one sum.
    const shared = slopes.length === 1;
    const dslopes = shared
      ? this.finishReduction(partial, 1, 1, x.length / s * runs, scale)
      : this.finishReduction(partial, n, c, runs, scale);
    this.release(partial);
    return { dx, dslopes };
  }

  /** Dispatches a kernel over runs of channel planes (kernels/plane_runs.wgsl). */
  private planeRuns(
    kernel: string,
    buffers: GPUBuffer[],
    total: number,
    c: number,
    s: number,
    slopes: Storage | null,
    fixedSlope: number,
  ): void {
    // Without learned slopes the channel does not matter: one plane holding everything.
    const planeSize = slopes ? s : total;
    const planes = total / planeSize;
    const runs = planes * Math.ceil(planeSize / RUN);
    // Planes of whole vec4s take the vec4 kernel; its runs hold the same elements (plane_runs.wgsl).
    this.elementwise(planeSize % 4 === 0 ? `${kernel}_vec4` : kernel, buffers, {
      planes,
      c,
      s: planeSize,
      use_slopes: slopes ? 1 : 0,
      fixed_slope: fixedSlope,
    }, runs);
  }

  private poolParams(g: PoolGeometry, total: number): KernelParams {
    return { total, h: g.h, w: g.w, oh: g.oh, ow: g.ow, k: g.k, stride: g.stride, pad: g.pad };
  }

  maxPool(x: Storage, g: PoolGeometry) {
    const total = g.n * g.c * g.oh * g.ow;
    const y = this.out(total, "max-pool output");
    const argmax = this.out(total, "max-pool argmax", "u32");
    this.elementwise("maxpool_forward", [buf(x), y.buffer, argmax.buffer], this.poolParams(g, total), total);
    return { y, argmax };
  }

  maxPoolGrad(dy: Storage, argmax: Storage, g: PoolGeometry): Storage {
    const total = g.n * g.c * g.h * g.w;
    const dx = this.out(total, "max-pool input gradient");
    const windows = g.n * g.c * g.oh * g.ow;
    if (g.k <= g.stride) {
      // Windows do not overlap: scatter from each window (zero first: some positions may lie in no window).
      this.engine.clear(dx.buffer, total * 4);
      this.elementwise(
        "maxpool_scatter_grad",
        [buf(dy), buf(argmax), dx.buffer],
        this.poolParams(g, windows),
        windows,
      );
    } else {
      this.elementwise("maxpool_grad", [buf(dy), buf(argmax), dx.buffer], this.poolParams(g, total), total);
    }
    return dx;
  }

  /** The bin table of a geometry, uploaded once and kept for the life of the process. */
  private sppTable(g: SppGeometry): GPUBuffer {
    const win = g.window;
    const key = `${g.h}x${g.w}:${g.levels.join(",")}:${win.top},${win.left},${win.height},${win.width}`;
    let table = this.sppTables.get(key);
    if (!table) {
      table = this.engine.upload(g.table, "an SPP bin table");
      this.sppTables.set(key, table);
    }
    return table;
  }

  private sppDispatch(kernel: string, buffers: GPUBuffer[], g: SppGeometry): void {
    const planes = g.n * g.c;
    this.engine.dispatch(
      kernel,
      buffers,
      { planes, c: g.c, h: g.h, w: g.w, bins: g.bins },
      grid1d(planes, 64, this.engine.limits.maxComputeWorkgroupsPerDimension),
    );
  }

  spp(x: Storage, g: SppGeometry) {
    const total = g.n * g.c * g.bins;
    const y = this.out(total, "SPP output");
    const argmax = this.out(total, "SPP argmax", "u32");
    this.sppDispatch("spp_forward", [buf(x), this.sppTable(g), y.buffer, argmax.buffer], g);
    return { y, argmax };
  }

  sppGrad(dy: Storage, argmax: Storage, g: SppGeometry): Storage {
    const dx = this.out(g.n * g.c * g.h * g.w, "SPP input gradient");
    this.sppDispatch("spp_grad", [buf(dy), this.sppTable(g), buf(argmax), dx.buffer], g);
    return dx;
  }

  dropout(x: Storage, rate: number, seed: number, offset = 0): Storage {
    const y = this.out(x.length, "dropout output");
    this.elementwise("dropout", [buf(x), y.buffer], { total: x.length, seed, rate, offset }, x.length);
    return y;
  }

  concatColumns(parts: Storage[], rows: number, widths: number[]): Storage {
    const total = widths.reduce((a, b) => a + b, 0);
    const out = this.out(rows * total, "joined fc output");
    let col = 0;
    parts.forEach((part, k) => {
      const params = {
        rows,
        cols: widths[k],
        src_width: widths[k],
        src_col: 0,
        out_width: total,
        out_col: col,
      };
      this.elementwise("column_block", [buf(part), out.buffer], params, rows * widths[k]);
      col += widths[k];
    });
    return out;
  }

  sliceColumns(x: Storage, rows: number, total: number, first: number, width: number): Storage {
    const out = this.out(rows * width, "fc output gradient slice");
    const params = { rows, cols: width, src_width: total, src_col: first, out_width: width, out_col: 0 };
    this.elementwise("column_block", [buf(x), out.buffer], params, rows * width);
    return out;
  }

  circularPad(x: Storage, planes: number, h: number, w: number, pad: number, fold: boolean): Storage {
    const padded = planes * (h + 2 * pad) * (w + 2 * pad);
    const total = fold ? planes * h * w : padded;
    const out = this.out(total, "a circular padding result");
    this.elementwise("circular_pad", [buf(x), out.buffer], { total, h, w, pad, mode: fold ? 1 : 0 }, total);
    return out;
  }

  private binary(op: number, a: Storage, b: Storage, s: number, alpha: number, beta: number, total: number) {
    const out = this.out(total, "an elementwise result");
    if (op < 2 && total % 4 === 0) {
      this.elementwise(
        "elementwise_vec4",
        [buf(a), buf(b), out.buffer],
        { total, op, alpha, beta },
        total / 4,
      );
    } else {
      this.elementwise("elementwise", [buf(a), buf(b), out.buffer], { total, op, s, alpha, beta }, total);
    }
    return out;
  }

  axpby(a: Storage, b: Storage, alpha: number, beta: number): Storage {
    return this.binary(0, a, b, 1, alpha, beta, a.length);
  }

  mul(a: Storage, b: Storage, alpha: number): Storage {
    return this.binary(1, a, b, 1, alpha, 0, a.length);
  }

  broadcast(a: Storage, s: number, alpha: number, total: number): Storage {
    return this.binary(2, a, a, s, alpha, 0, total);
  }

  softmaxCrossEntropy(logits: Storage, labels: Storage, rows: number, classes: number) {
    const probs = this.out(rows * classes, "softmax probabilities");
    const perRow = this.out(rows, "per-example losses");
    this.engine.dispatch(
      "softmax_xent",
      [buf(logits), buf(labels), probs.buffer, perRow.buffer],
      { rows, classes },
      [Math.ceil(rows / 64)],
    );
    const loss = this.channelSum(perRow, 1, 1, rows, 1 / rows, "sum");
    this.release(perRow);
    return { loss, probs };
  }

  softmax(logits: Storage, rows: number, classes: number): Storage {
    // The cross-entropy kernel with label 0 everywhere; its per-row loss is discarded.
    const labels = this.zeros(rows);
    const { loss, probs } = this.softmaxCrossEntropy(logits, labels, rows, classes);
    this.release(labels);
    this.release(loss);
    return probs;
  }

  softmaxCrossEntropyGrad(
    probs: Storage,
    labels: Storage,
    dloss: Storage,
    rows: number,
    classes: number,
  ): Storage {
    const dlogits = this.out(rows * classes, "logit gradients");
    this.elementwise(
      "softmax_xent_grad",
      [buf(probs), buf(labels), buf(dloss), dlogits.buffer],
      { rows, classes },
      rows * classes,
    );
    return dlogits;
  }

  topkCorrect(logits: Storage, labels: Storage, rows: number, classes: number, k: number): Storage {
    const perRow = this.out(rows * 2, "per-example correctness");
    this.engine.dispatch(
      "topk_correct",
      [buf(logits), buf(labels), perRow.buffer],
      { rows, classes, k },
      [Math.ceil(rows / 64)],
    );
    const counts = this.channelSum(perRow, rows, 2, 1, 1, "sum");
    this.release(perRow);
    return counts;
  }

  sgdUpdate(w: Storage, g: Storage, v: Storage, lr: number, momentum: number, weightDecay: number): void {
    const vec4 = w.length % 4 === 0;
    this.elementwise(
      vec4 ? "sgd_update_vec4" : "sgd_update",
      [buf(w), buf(g), buf(v)],
      { total: w.length, lr, momentum, weight_decay: weightDecay },
      vec4 ? w.length / 4 : w.length,
    );
  }
}

function buf(s: Storage): GPUBuffer {
  return (s as GpuStorage).buffer;
}
