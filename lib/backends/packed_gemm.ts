/**
 * Convolution and matrix products on the packed GEMM (kernels/gemm_packed.wgsl): operands are first repacked
 * (pack.wgsl, im2col.wgsl) into zero-padded row-major panels so the GEMM's inner loop does only aligned vec4
 * loads and register-blocked multiply-adds; results are stored straight into their final layout (NCHW with bias
 * for convolutions). Batches too large for one im2col buffer are processed in chunks of images. When the output
 * has too few blocks to keep the adapter busy, K is split and the partial sums reduced.
 */
import { type GpuEngine, grid1d, type KernelParam } from "../gpu/engine.ts";
import type { GemmBlock } from "../gpu/gemm_variant.ts";
import type { ConvGeometry } from "../geometry.ts";

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const BIG = 0x7fffffff;
/** Columns per invocation of kernels/pack.wgsl (its RUN). */
const PACK_RUN = 32;

/** How one index of a packed matrix maps to the source: offset = (i / div) * hi + (i % div) * lo. */
interface IndexMap {
  div: number;
  hi: number;
  lo: number;
}
const linear = (stride: number): IndexMap => ({ div: BIG, hi: 0, lo: stride });

export interface GemmCall {
  /** Packed A: [K][mPad] (rows of A transposed). */
  a: GPUBuffer;
  /** Packed B: [K][nPad]. */
  b: GPUBuffer;
  M: number;
  N: number;
  K: number;
  out: GPUBuffer;
  bias?: GPUBuffer | null;
  /** 0: row-major with row stride ldc; 1: NCHW with `spatial` positions per image. */
  mode: 0 | 1;
  ldc?: number;
  spatial?: number;
  outOffset?: number;
  accumulate?: boolean;
}

export class PackedGemm {
  /** Budget for one im2col / packed buffer. */
  readonly maxPanelBytes: number;

  constructor(
    private readonly engine: GpuEngine,
    readonly block: GemmBlock,
    private readonly dummy: GPUBuffer,
    /** Output blocks below which K is split (enough parallel work for the adapter). */
    private readonly minLanes: number,
    panelBytes = 64 << 20,
  ) {
    this.maxPanelBytes = Math.min(panelBytes, engine.limits.maxStorageBufferBindingSize);
  }

  get mAlign(): number {
    return 4 * this.block.ra;
  }

  get nAlign(): number {
    return 4 * this.block.cb;
  }

  /** Packs rows x cols of a strided source into [rows][rowLen] (zero-padded); the caller releases it. */
  pack(src: GPUBuffer, rows: number, cols: number, rowLen: number, k: IndexMap, j: IndexMap, srcOffset = 0) {
    const out = this.engine.alloc(Math.max(rows * rowLen, 1) * 4, "a packed GEMM operand");
    const invocations = rows * Math.ceil(rowLen / PACK_RUN);
    this.engine.dispatch(
      "pack",
      [src, out],
      [rows, cols, rowLen, k.div, k.hi, k.lo, j.div, j.hi, j.lo, srcOffset],
      grid1d(invocations, 256, this.engine.limits.maxComputeWorkgroupsPerDimension),
    );
    return out;
  }

  /** Runs C = A B with the given store; splits K when the output is small. */
  gemm(call: GemmCall): void {
    const mPad = roundUp(call.M, this.mAlign);
    const nPad = roundUp(call.N, this.nAlign);
    const mBlocks = mPad / this.mAlign;
    const nBlocks = nPad / this.nAlign;
    const lanes = mBlocks * nBlocks;
    let splits = 1;
    if (lanes < this.minLanes && call.K >= 512) {
      splits = Math.min(Math.ceil(this.minLanes / lanes), Math.floor(call.K / 256), 64);
    }
    const params = (
      mode: number,
      ldc: number,
      spatial: number,
      bias: boolean,
      acc: boolean,
      offset: number,
      kChunk: number,
      splitStride: number,
    ): KernelParam[] => [
      call.M,
      call.N,
      call.K,
      mPad / 4,
      nPad / 4,
      mBlocks,
      nBlocks,
      kChunk,
      mode,
      ldc,
      spatial,
      bias ? 1 : 0,
      acc ? 1 : 0,
      offset,
      splitStride,
    ];
    const [gx, gy] = grid1d(lanes, 64, this.engine.limits.maxComputeWorkgroupsPerDimension);
    const kernel = { name: "gemm_packed", block: this.block };
    if (splits === 1) {
      this.engine.dispatch(
        kernel,
        [call.a, call.b, call.bias ?? this.dummy, call.out],
        params(
          call.mode,
          call.ldc ?? call.N,
          call.spatial ?? 1,
          !!call.bias,
          !!call.accumulate,
          call.outOffset ?? 0,
          call.K,
          0,
        ),
        [gx, gy, 1],
      );
      return;
    }
    // Split-K: slice z writes a row-major partial [M][N]; one reduction sums them into the real store.
    const kChunk = Math.ceil(call.K / splits);
    splits = Math.ceil(call.K / kChunk);
    const partial = this.engine.alloc(splits * call.M * call.N * 4, "split-K partial sums");
    this.engine.dispatch(
      kernel,
      [call.a, call.b, this.dummy, partial],
      params(0, call.N, 1, false, false, 0, kChunk, call.M * call.N),
      [gx, gy, splits],
    );
    this.engine.dispatch(
      "split_reduce",
      [partial, call.bias ?? this.dummy, call.out],
      [
        call.M,
        call.N,
        splits,
        call.mode,
        call.ldc ?? call.N,
        call.spatial ?? 1,
        call.bias ? 1 : 0,
        call.accumulate ? 1 : 0,
        call.outOffset ?? 0,
      ],
      grid1d(call.M * call.N, 256, this.engine.limits.maxComputeWorkgroupsPerDimension),
    );
    this.engine.release(partial);
  }

  /** Images per chunk so that a panel of `perImage` floats per image fits the budget. */
  private chunkImages(n: number, perImage: number): number {
    return Math.max(1, Math.min(n, Math.floor(this.maxPanelBytes / 4 / Math.max(perImage, 1))));
  }

  private im2col(x: GPUBuffer, g: ConvGeometry, image0: number, images: number, kMajor: boolean): GPUBuffer {
    const K = g.cin * g.kh * g.kw;
    const M = images * g.oh * g.ow;
    const rows = kMajor ? K : M;
    const rowLen = kMajor ? roundUp(M, this.mAlign) : roundUp(K, this.nAlign);
    this.engine.checkSize(rows * rowLen * 4, "an im2col buffer");
    const col = this.engine.alloc(rows * rowLen * 4, "an im2col buffer");
    this.engine.dispatch(
      "im2col",
      [x, col],
      [g.cin, g.h, g.w, g.kh, g.kw, g.stride, g.pad, g.oh, g.ow, images, image0, kMajor ? 1 : 0, rowLen],
      grid1d(kMajor ? K * (images * g.oh + 1) : M, 256, this.engine.limits.maxComputeWorkgroupsPerDimension),
    );
    return col;
  }

  conv2d(x: GPUBuffer, w: GPUBuffer, bias: GPUBuffer | null, y: GPUBuffer, g: ConvGeometry): void {
    const K = g.cin * g.kh * g.kw;
    const ohw = g.oh * g.ow;
    // B[k][co] = w[co][k]
    const wPacked = this.pack(w, K, g.cout, roundUp(g.cout, this.nAlign), linear(1), linear(K));
    const chunk = this.chunkImages(g.n, K * ohw);
    for (let n0 = 0; n0 < g.n; n0 += chunk) {
      const images = Math.min(chunk, g.n - n0);
      const col = this.im2col(x, g, n0, images, true);
      this.gemm({
        a: col,
        b: wPacked,
        M: images * ohw,
        N: g.cout,
        K,
        out: y,
        bias,
        mode: 1,
        spatial: ohw,
        outOffset: n0 * g.cout * ohw,
      });
      this.engine.release(col);
    }
    this.engine.release(wPacked);
  }

  conv2dGradInput(dy: GPUBuffer, w: GPUBuffer, dx: GPUBuffer, g: ConvGeometry): void {
    const K = g.cin * g.kh * g.kw;
    const ohw = g.oh * g.ow;
    // B[co][k] = w[co][k], padded
    const wPacked = this.pack(w, g.cout, K, roundUp(K, this.nAlign), linear(K), linear(1));
    const chunk = this.chunkImages(g.n, Math.max(K, g.cout) * ohw);
    for (let n0 = 0; n0 < g.n; n0 += chunk) {
      const images = Math.min(chunk, g.n - n0);
      const M = images * ohw;
      // A^T[co][m] = dy[n0 + m / ohw][co][m % ohw]
      const dyPacked = this.pack(dy, g.cout, M, roundUp(M, this.mAlign), linear(ohw), {
        div: ohw,
        hi: g.cout * ohw,
        lo: 1,
      }, n0 * g.cout * ohw);
      const dcol = this.engine.alloc(M * K * 4, "a col2im buffer");
      this.gemm({ a: dyPacked, b: wPacked, M, N: K, K: g.cout, out: dcol, mode: 0, ldc: K });
      this.engine.release(dyPacked);
      this.engine.dispatch(
        "col2im",
        [dcol, dx],
        [g.cin, g.h, g.w, g.kh, g.kw, g.stride, g.pad, g.oh, g.ow, images, n0, K],
        grid1d(images * g.cin * g.h, 256, this.engine.limits.maxComputeWorkgroupsPerDimension),
      );
      this.engine.release(dcol);
    }
    this.engine.release(wPacked);
  }

  conv2dGradWeight(dy: GPUBuffer, x: GPUBuffer, dw: GPUBuffer, g: ConvGeometry): void {
    const K = g.cin * g.kh * g.kw;
    const ohw = g.oh * g.ow;
    const chunk = this.chunkImages(g.n, Math.max(K, g.cout) * ohw);
    for (let n0 = 0; n0 < g.n; n0 += chunk) {
      const images = Math.min(chunk, g.n - n0);
      const M = images * ohw;
      // A^T[m][co] = dy[n0 + m / ohw][co][m % ohw]; B[m][k] = im2col
      const dyPacked = this.pack(
        dy,
        M,
        g.cout,
        roundUp(g.cout, this.mAlign),
        { div: ohw, hi: g.cout * ohw, lo: 1 },
        linear(ohw),
        n0 * g.cout * ohw,
      );
      const col = this.im2col(x, g, n0, images, false);
      this.gemm({ a: dyPacked, b: col, M: g.cout, N: K, K: M, out: dw, mode: 0, ldc: K, accumulate: n0 > 0 });
      this.engine.release(dyPacked);
      this.engine.release(col);
    }
  }

  /** C = op(A) op(B) (+ bias): A is [M, K] ([K, M] when transA), B is [K, N] ([N, K] when transB). */
  matmul(
    a: GPUBuffer,
    b: GPUBuffer,
    bias: GPUBuffer | null,
    c: GPUBuffer,
    M: number,
    K: number,
    N: number,
    transA: boolean,
    transB: boolean,
  ): void {
    const aPacked = this.pack(
      a,
      K,
      M,
      roundUp(M, this.mAlign),
      transA ? linear(M) : linear(1),
      transA ? linear(1) : linear(K),
    );
    const bPacked = this.pack(
      b,
      K,
      N,
      roundUp(N, this.nAlign),
      transB ? linear(1) : linear(N),
      transB ? linear(K) : linear(1),
    );
    this.gemm({ a: aPacked, b: bPacked, M, N, K, out: c, bias, mode: 0, ldc: N });
    this.engine.release(aPacked);
    this.engine.release(bPacked);
  }
}
