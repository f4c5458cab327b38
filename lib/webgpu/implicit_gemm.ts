/**
 * Convolutions and matrix products on the implicit GEMM (kernels/gemm_implicit.wgsl): each operand element is
 * read from its tensor at base(lane index) + offset(k), both given as three-level index maps, so no im2col,
 * col2im or repacking pass runs. Inputs read through filter taps are zero-padded first (kernels/zero_pad.wgsl),
 * which costs one pass over the input instead of one per tap. The input gradient of a stride-1 convolution is
 * itself a stride-1 convolution of the padded output gradient with the flipped, transposed filters; other strides
 * use PackedGemm's col2im path.
 */
import { type GpuEngine, grid1d } from "./engine.ts";
import type { GemmBlock } from "./gemm_variant.ts";
import type { ConvGeometry } from "../geometry.ts";

/** offset(i) = s0 + (i / d1) * s1 + ((i % d1) / d2) * s2 + (i % d2) * s3, with d2 dividing d1. */
export interface IndexMap {
  d1: number;
  d2: number;
  s0?: number;
  s1: number;
  s2: number;
  s3: number;
}

const BIG = 0x7fffffff;
/** offset(i) = i * stride. */
export const linearMap = (stride: number): IndexMap => ({ d1: BIG, d2: BIG, s1: 0, s2: 0, s3: stride });
/** offset(i) = (i / d) * outer + (i % d) * inner. */
export const splitMap = (d: number, outer: number, inner: number): IndexMap => ({
  d1: d,
  d2: d,
  s1: outer,
  s2: 0,
  s3: inner,
});

export interface ImplicitGemmCall {
  M: number;
  N: number;
  K: number;
  a: GPUBuffer;
  /** A(m, k) = a[aLane(m) + aRed(k)]. */
  aLane: IndexMap;
  aRed: IndexMap;
  b: GPUBuffer;
  /** B(k, n) = b[bLane(n) + bRed(k)]. */
  bLane: IndexMap;
  bRed: IndexMap;
  out: GPUBuffer;
  bias?: GPUBuffer | null;
  /** 0: row-major with row stride ldc; 1: NCHW with `spatial` positions per image and `channels` (N) maps. */
  mode: 0 | 1;
  ldc?: number;
  spatial?: number;
  channels?: number;
  accumulate?: boolean;
  /**
   * How B is laid out, so it can be bound as uniform windows: column n occupies floats [n * floatsPer,
   * (n + 1) * floatsPer) ("n"), or each group of kUnit reduction indices occupies floatsPer floats in turn ("k").
   */
  bLayout?: { along: "n"; floatsPer: number } | { along: "k"; kUnit: number; floatsPer: number };
}

interface UniformWindow {
  /** First float of the binding. */
  start: number;
  /** Floats bound (the shader's uniform array length). */
  floats: number;
}

function mapParams(prefix: string, m: IndexMap): Record<string, number> {
  if (m.d1 % m.d2 !== 0) throw new Error(`implicit GEMM: ${prefix} map needs d2 | d1, got ${m.d1}, ${m.d2}`);
  return {
    [`${prefix}_d1`]: m.d1,
    [`${prefix}_d2`]: m.d2,
    [`${prefix}_s0`]: m.s0 ?? 0,
    [`${prefix}_s1`]: m.s1,
    [`${prefix}_s2`]: m.s2,
    [`${prefix}_s3`]: m.s3,
  };
}

export class ImplicitGemm {
  constructor(
    private readonly engine: GpuEngine,
    readonly block: GemmBlock,
    private readonly dummy: GPUBuffer,
    /** Output blocks below which K is split (enough parallel work for the adapter). */
    private readonly minLanes: number,
    /**
     * Bind B (filters, small weights) as a uniform buffer when it fits in 64 KiB. On CPU adapters a divergent
     * uniform load is a vector gather, about twice as fast as a storage load; on GPUs divergent uniform reads
     * serialize, so it is off there.
     */
    private readonly uniformB: boolean,
  ) {}

  /**
   * Runs C = A B. When B may be bound as a uniform buffer, it is, in windows of at most 64 KiB: slices of the
   * columns or of the reduction, as `call.bLayout` says B is laid out; other calls read B from storage.
   */
  gemm(call: ImplicitGemmCall): void {
    const layout = call.bLayout;
    const align = this.engine.limits.minUniformBufferOffsetAlignment / 4;
    const maxFloats = Math.min(65536, this.engine.limits.maxUniformBufferBindingSize) / 4;
    // Room for moving a window's start back to an aligned offset.
    const perWindow = layout
      ? Math.floor((maxFloats - (call.b.size / 4 > maxFloats ? align : 0)) / layout.floatsPer)
      : 0;
    const units = !layout ? 0 : layout.along === "n" ? call.N : call.K / layout.kUnit;
    // Windows pay when each holds enough work: 16 columns, or 64 reduction steps; and there are few of them.
    const worth = layout && perWindow >= 1 && Math.ceil(units / perWindow) <= 8 &&
      (layout.along === "n"
        ? Math.min(perWindow, units) >= Math.min(16, units)
        : perWindow * layout.kUnit >= 64);
    if (!this.uniformB || !layout || !worth) {
      this.run(call, { begin: 0, end: call.K }, { offset: 0, count: call.N }, null, !!call.accumulate);
      return;
    }
    for (let u0 = 0; u0 < units; u0 += perWindow) {
      const count = Math.min(perWindow, units - u0);
      const window = this.window(call.b, u0 * layout.floatsPer, count * layout.floatsPer);
      if (layout.along === "n") {
        this.run(call, { begin: 0, end: call.K }, { offset: u0, count }, window, !!call.accumulate);
      } else {
        const k = { begin: u0 * layout.kUnit, end: (u0 + count) * layout.kUnit };
        this.run(call, k, { offset: 0, count: call.N }, window, !!call.accumulate || u0 > 0);
      }
    }
  }

  /**
   * A uniform binding of B covering floats [first, first + count): a power-of-two size (the shader's array
   * length), moved back when it would run past the end of the buffer, its start aligned as WebGPU requires.
   */
  private window(b: GPUBuffer, first: number, count: number): UniformWindow {
    // Few distinct sizes (each is a pipeline): at least 1024 floats where the buffer holds them.
    const floats = Math.min(
      Math.max(1024, 2 ** Math.ceil(Math.log2(count))),
      2 ** Math.floor(Math.log2(b.size / 4)),
    );
    const align = this.engine.limits.minUniformBufferOffsetAlignment / 4;
    let start = Math.floor(first / align) * align;
    if (start + floats > b.size / 4) start = Math.floor((b.size / 4 - floats) / align) * align;
    if (start < 0 || first + count > start + floats) {
      throw new Error(
        `implicit GEMM: no uniform window of ${floats} floats covers [${first}, ${first + count})`,
      );
    }
    return { start, floats };
  }

  private run(
    call: ImplicitGemmCall,
    k: { begin: number; end: number },
    cols: { offset: number; count: number },
    window: UniformWindow | null,
    accumulate: boolean,
  ): void {
    const rows = 4 * this.block.ra;
    const colsPerBlock = 4 * this.block.cb;
    const N = cols.count;
    const mBlocks = Math.ceil(call.M / rows);
    const nBlocks = Math.ceil(N / colsPerBlock);
    const lanes = mBlocks * nBlocks;
    const K = k.end - k.begin;
    let splits = 1;
    if (lanes < this.minLanes && K >= 512) {
      splits = Math.min(Math.ceil(this.minLanes / lanes), Math.floor(K / 256), 64);
    }
    const kChunk = Math.ceil(K / splits);
    splits = Math.ceil(K / kChunk);
    // Column slices start B's lane map at their first column; a window moves every B address by its start.
    const bLane = {
      ...call.bLane,
      s0: (call.bLane.s0 ?? 0) + cols.offset * call.bLane.s3 - (window?.start ?? 0),
    };
    if (cols.offset && (call.bLane.d1 !== BIG || call.bLane.d2 !== BIG)) {
      throw new Error("implicit GEMM: column slices need a linear B lane map");
    }
    const maps = {
      ...mapParams("a_lane", call.aLane),
      ...mapParams("a_red", call.aRed),
      ...mapParams("b_lane", bLane),
      ...mapParams("b_red", call.bRed),
    };
    const block = window ? { ...this.block, uniformB: window.floats } : this.block;
    const kernel = { name: "gemm_implicit", block };
    const b: GPUBuffer | GPUBufferBinding = window
      ? { buffer: call.b, offset: window.start * 4, size: window.floats * 4 }
      : call.b;
    const [gx, gy] = grid1d(lanes, 64, this.engine.limits.maxComputeWorkgroupsPerDimension);
    const common = {
      M: call.M,
      N,
      k_begin: k.begin,
      k_end: k.end,
      m_blocks: mBlocks,
      n_blocks: nBlocks,
      k_chunk: kChunk,
    };
    const channels = call.channels ?? call.N;
    if (splits === 1) {
      this.engine.dispatch(kernel, [call.a, b, call.bias ?? this.dummy, call.out], {
        ...common,
        ...maps,
        mode: call.mode,
        ldc: call.ldc ?? call.N,
        spatial: call.spatial ?? 1,
        has_bias: call.bias && !accumulate ? 1 : 0,
        accumulate: accumulate ? 1 : 0,
        out_offset: 0,
        split_stride: 0,
        n_offset: cols.offset,
        channels,
      }, [gx, gy, 1]);
      return;
    }
    // Split-K: slice z writes a row-major partial [M][N]; one reduction sums them into the real store.
    const partial = this.engine.alloc(splits * call.M * N * 4, "split-K partial sums");
    this.engine.dispatch(kernel, [call.a, b, this.dummy, partial], {
      ...common,
      ...maps,
      mode: 0,
      ldc: N,
      spatial: 1,
      has_bias: 0,
      accumulate: 0,
      out_offset: 0,
      split_stride: call.M * N,
      n_offset: 0,
      channels: N,
    }, [gx, gy, splits]);
    this.engine.dispatch("split_reduce", [partial, call.bias ?? this.dummy, call.out], {
      M: call.M,
      N,
      splits,
      mode: call.mode,
      ldc: call.ldc ?? call.N,
      spatial: call.spatial ?? 1,
      has_bias: call.bias && !accumulate ? 1 : 0,
      accumulate: accumulate ? 1 : 0,
      out_offset: 0,
      n_offset: cols.offset,
      channels,
    }, grid1d(call.M * N, 256, this.engine.limits.maxComputeWorkgroupsPerDimension));
    this.engine.release(partial);
  }

  /** Zero-padded copy of [planes, h, w] maps (the caller releases it), or the input itself when no padding. */
  private padded(x: GPUBuffer, planes: number, h: number, w: number, py: number, px: number): GPUBuffer {
    if (py === 0 && px === 0) return x;
    const out = this.engine.alloc(planes * (h + 2 * py) * (w + 2 * px) * 4, "a zero-padded map");
    const rows = planes * (h + 2 * py);
    this.engine.dispatch(
      "zero_pad",
      [x, out],
      { rows, h, w, pad_y: py, pad_x: px },
      grid1d(rows, 256, this.engine.limits.maxComputeWorkgroupsPerDimension),
    );
    return out;
  }

  /** The taps of a filter over a padded input of hp x wp: offset(k) for k = (ci, ky, kx). */
  private static tapMap(g: ConvGeometry, hp: number, wp: number): IndexMap {
    return { d1: g.kh * g.kw, d2: g.kw, s1: hp * wp, s2: wp, s3: 1 };
  }

  conv2d(x: GPUBuffer, w: GPUBuffer, bias: GPUBuffer | null, y: GPUBuffer, g: ConvGeometry): void {
    const hp = g.h + 2 * g.pad;
    const wp = g.w + 2 * g.pad;
    const xp = this.padded(x, g.n * g.cin, g.h, g.w, g.pad, g.pad);
    const K = g.cin * g.kh * g.kw;
    const ohw = g.oh * g.ow;
    this.gemm({
      M: g.n * ohw,
      N: g.cout,
      K,
      a: xp,
      // m = (image, oy, ox) -> image * cin * hp * wp + oy * stride * wp + ox * stride
      aLane: { d1: ohw, d2: g.ow, s1: g.cin * hp * wp, s2: g.stride * wp, s3: g.stride },
      aRed: ImplicitGemm.tapMap(g, hp, wp),
      b: w,
      bLane: linearMap(K),
      bRed: linearMap(1),
      bLayout: { along: "n", floatsPer: K },
      out: y,
      bias,
      mode: 1,
      spatial: ohw,
    });
    if (xp !== x) this.engine.release(xp);
  }

  /** Whether conv2dGradInput runs here: stride 1 and padding that fits inside the filter. */
  static handlesGradInput(g: ConvGeometry): boolean {
    return g.stride === 1 && g.pad <= g.kh - 1 && g.pad <= g.kw - 1;
  }

  /**
   * dx[n, ci, iy, ix] = sum over (co, ky', kx') of dyp[n, co, iy + ky', ix + kx'] * w[co, ci, kh-1-ky', kw-1-kx'],
   * dyp being dy zero-padded by (kh - 1 - pad, kw - 1 - pad).
   */
  conv2dGradInput(dy: GPUBuffer, w: GPUBuffer, dx: GPUBuffer, g: ConvGeometry): void {
    const qy = g.kh - 1 - g.pad;
    const qx = g.kw - 1 - g.pad;
    const hp = g.oh + 2 * qy;
    const wp = g.ow + 2 * qx;
    const dyp = this.padded(dy, g.n * g.cout, g.oh, g.ow, qy, qx);
    const taps = g.kh * g.kw;
    const hw = g.h * g.w;
    this.gemm({
      M: g.n * hw,
      N: g.cin,
      K: g.cout * taps,
      a: dyp,
      aLane: { d1: hw, d2: g.w, s1: g.cout * hp * wp, s2: wp, s3: 1 },
      aRed: { d1: taps, d2: g.kw, s1: hp * wp, s2: wp, s3: 1 },
      b: w,
      // w[co][ci][t] at co * cin * taps + ci * taps + t, with t = taps - 1 - (ky' * kw + kx')
      bLane: { ...linearMap(taps), s0: taps - 1 },
      bRed: { d1: taps, d2: taps, s1: g.cin * taps, s2: 0, s3: -1 },
      bLayout: { along: "k", kUnit: taps, floatsPer: g.cin * taps },
      out: dx,
      mode: 1,
      spatial: hw,
    });
    if (dyp !== dy) this.engine.release(dyp);
  }

  /**
   * dw[co][k] = sum over m = (n, oy, ox) of dy[n, co, oy, ox] * xp[n, ci, oy * s + ky, ox * s + kx],
   * accumulated into dw when `accumulate` (chunked callers).
   */
  conv2dGradWeight(dy: GPUBuffer, x: GPUBuffer, dw: GPUBuffer, g: ConvGeometry): void {
    const hp = g.h + 2 * g.pad;
    const wp = g.w + 2 * g.pad;
    const xp = this.padded(x, g.n * g.cin, g.h, g.w, g.pad, g.pad);
    const ohw = g.oh * g.ow;
    const K = g.cin * g.kh * g.kw;
    this.gemm({
      M: g.cout,
      N: K,
      K: g.n * ohw,
      a: dy,
      aLane: linearMap(ohw),
      aRed: splitMap(ohw, g.cout * ohw, 1),
      b: xp,
      bLane: ImplicitGemm.tapMap(g, hp, wp),
      bRed: { d1: ohw, d2: g.ow, s1: g.cin * hp * wp, s2: g.stride * wp, s3: g.stride },
      out: dw,
      mode: 0,
      ldc: K,
    });
    if (xp !== x) this.engine.release(xp);
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
    this.gemm({
      M,
      N,
      K,
      a,
      aLane: linearMap(transA ? 1 : K),
      aRed: linearMap(transA ? M : 1),
      b,
      bLane: linearMap(transB ? K : 1),
      bRed: linearMap(transB ? 1 : N),
      bLayout: transB ? { along: "n", floatsPer: K } : { along: "k", kUnit: 1, floatsPer: N },
      out: c,
      bias,
      mode: 0,
      ldc: N,
    });
  }
}
