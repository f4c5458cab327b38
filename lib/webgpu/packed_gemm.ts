/**
 * The input gradient of strided convolutions on the packed GEMM (kernels/gemm_packed.wgsl): dy and the filters
 * are repacked (pack.wgsl) into zero-padded row-major panels so the GEMM's inner loop does only aligned vec4
 * loads, and col2im.wgsl gathers the columns back into the input's layout. Stride-1 convolutions, their other
 * gradients and matrix products run on the implicit GEMM (implicit_gemm.ts), which needs none of these passes.
 * Batches too large for one column buffer are processed in chunks of images. When the output has too few blocks
 * to keep the adapter busy, K is split and the partial sums reduced.
 */
import { type GpuEngine, grid1d } from "./engine.ts";
import type { GemmBlock } from "./gemm_variant.ts";
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
      {
        rows,
        cols,
        row_len: rowLen,
        k_div: k.div,
        k_hi: k.hi,
        k_lo: k.lo,
        j_div: j.div,
        j_hi: j.hi,
        j_lo: j.lo,
        src_offset: srcOffset,
      },
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
    ) => ({
      M: call.M,
      N: call.N,
      K: call.K,
      a_row: mPad / 4,
      b_row: nPad / 4,
      m_blocks: mBlocks,
      n_blocks: nBlocks,
      k_chunk: kChunk,
      mode,
      ldc,
      spatial,
      has_bias: bias ? 1 : 0,
      accumulate: acc ? 1 : 0,
      out_offset: offset,
      split_stride: splitStride,
    });
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
      {
        M: call.M,
        N: call.N,
        splits,
        mode: call.mode,
        ldc: call.ldc ?? call.N,
        spatial: call.spatial ?? 1,
        has_bias: call.bias ? 1 : 0,
        accumulate: call.accumulate ? 1 : 0,
        out_offset: call.outOffset ?? 0,
        n_offset: 0,
        channels: call.N,
      },
      grid1d(call.M * call.N, 256, this.engine.limits.maxComputeWorkgroupsPerDimension),
    );
    this.engine.release(partial);
  }

  /** Images per chunk so that a panel of `perImage` floats per image fits the budget. */
  private chunkImages(n: number, perImage: number): number {
    return Math.max(1, Math.min(n, Math.floor(this.maxPanelBytes / 4 / Math.max(perImage, 1))));
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
        {
          cin: g.cin,
          h: g.h,
          w: g.w,
          kh: g.kh,
          kw: g.kw,
          stride: g.stride,
          pad: g.pad,
          oh: g.oh,
          ow: g.ow,
          images,
          image0: n0,
          row_len: K,
        },
        grid1d(images * g.cin * g.h, 256, this.engine.limits.maxComputeWorkgroupsPerDimension),
      );
      this.engine.release(dcol);
    }
    this.engine.release(wPacked);
  }
}
