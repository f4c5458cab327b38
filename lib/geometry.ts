/**
 * Shape arithmetic shared by the float64 reference and the WebGPU kernels: conv and pooling output sizes and the
 * SPP bin table. Every function validates its input and names the op in its error.
 */
export interface ConvGeometry {
  n: number;
  cin: number;
  h: number;
  w: number;
  cout: number;
  kh: number;
  kw: number;
  stride: number;
  pad: number;
  oh: number;
  ow: number;
}

export interface PoolGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  k: number;
  stride: number;
  pad: number;
  oh: number;
  ow: number;
}

export interface SppGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  levels: number[];
  /** Total bins over all levels: sum of level^2. */
  bins: number;
  /** The sub-window of the map being pooled (the whole map unless dense evaluation slides one). */
  window: SppWindow;
  /** Seven u32 per bin: y_start, y_end, x_start, x_end, level_offset, bins_in_level, index_in_level. */
  table: Uint32Array;
}

export interface SppWindow {
  top: number;
  left: number;
  height: number;
  width: number;
}

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShapeError";
  }
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function checkPositiveInts(op: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < 1) {
      throw new ShapeError(`${op}: ${name} must be a positive integer, got ${v}`);
    }
  }
}

export function convGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  stride: number,
  pad: number,
): ConvGeometry {
  if (xShape.length !== 4) throw new ShapeError(`conv2d: input must be NCHW (4-D), got ${fmtShape(xShape)}`);
  if (wShape.length !== 4) {
    throw new ShapeError(`conv2d: weight must be [out, in, kh, kw] (4-D), got ${fmtShape(wShape)}`);
  }
  const [n, cin, h, w] = xShape;
  const [cout, wcin, kh, kw] = wShape;
  if (wcin !== cin) {
    throw new ShapeError(
      `conv2d: input ${fmtShape(xShape)} has ${cin} channels but weight ${fmtShape(wShape)} expects ${wcin}`,
    );
  }
  checkPositiveInts("conv2d", { stride });
  if (!Number.isInteger(pad) || pad < 0) {
    throw new ShapeError(`conv2d: pad must be an integer >= 0, got ${pad}`);
  }
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - kw) / stride) + 1;
  if (oh < 1 || ow < 1) {
    throw new ShapeError(
      `conv2d: a ${kh}x${kw} kernel with pad ${pad} does not fit input ${
        fmtShape(xShape)
      } (output ${oh}x${ow})`,
    );
  }
  return { n, cin, h, w, cout, kh, kw, stride, pad, oh, ow };
}

/** Pooling output size, floor or ceil mode (ceil as Caffe and PyTorch: the last window must start inside). */
export function poolGeometry(
  xShape: readonly number[],
  k: number,
  stride: number,
  pad = 0,
  ceil = false,
): PoolGeometry {
  if (xShape.length !== 4) {
    throw new ShapeError(`maxPool2d: input must be NCHW (4-D), got ${fmtShape(xShape)}`);
  }
  checkPositiveInts("maxPool2d", { kernel: k, stride });
  if (!Number.isInteger(pad) || pad < 0 || 2 * pad > k) {
    throw new ShapeError(`maxPool2d: pad must be an integer in [0, kernel/2], got ${pad} for kernel ${k}`);
  }
  const [n, c, h, w] = xShape;
  const size = (len: number) => {
    const span = len + 2 * pad - k;
    if (span < 0) {
      throw new ShapeError(`maxPool2d: kernel ${k} with pad ${pad} does not fit input ${fmtShape(xShape)}`);
    }
    let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
    if (ceil && (out - 1) * stride >= len + pad) out--;
    return out;
  };
  return { n, c, h, w, k, stride, pad, oh: size(h), ow: size(w) };
}

/**
 * SPP bins as SPP-net computes them: for a level of n x n bins on an a x a map, window ceil(a/n) and stride
 * floor(a/n) (He et al. 2014, Sec. 2.3), clipped to the map. On a map smaller than the level (a < n) that rule
 * degenerates (stride 0), so bins fall back to adaptive pooling: bin i covers [floor(i a / n), ceil((i+1) a / n)).
 */
export function sppGeometry(
  xShape: readonly number[],
  levels: readonly number[],
  window: SppWindow | null = null,
): SppGeometry {
  if (xShape.length !== 4) throw new ShapeError(`spp: input must be NCHW (4-D), got ${fmtShape(xShape)}`);
  if (levels.length === 0) throw new ShapeError("spp: at least one pyramid level is needed");
  for (const l of levels) checkPositiveInts("spp", { level: l });
  const [n, c, h, w] = xShape;
  const win = window ?? { top: 0, left: 0, height: h, width: w };
  if (
    win.top < 0 || win.left < 0 || win.height < 1 || win.width < 1 || win.top + win.height > h ||
    win.left + win.width > w
  ) {
    throw new ShapeError(`spp: window ${JSON.stringify(win)} does not lie inside the ${h}x${w} map`);
  }
  const bins = levels.reduce((s, l) => s + l * l, 0);
  const table = new Uint32Array(bins * 7);
  let b = 0;
  let offset = 0;
  for (const level of levels) {
    const ys = sppSpans(win.height, level).map(([a, b]) => [a + win.top, b + win.top]);
    const xs = sppSpans(win.width, level).map(([a, b]) => [a + win.left, b + win.left]);
    for (let by = 0; by < level; by++) {
      for (let bx = 0; bx < level; bx++) {
        table.set(
          [ys[by][0], ys[by][1], xs[bx][0], xs[bx][1], offset, level * level, by * level + bx],
          b * 7,
        );
        b++;
      }
    }
    offset += level * level;
  }
  return { n, c, h, w, levels: [...levels], bins, table, window: win };
}

function sppSpans(a: number, level: number): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = 0; i < level; i++) {
    if (a >= level) {
      const win = Math.ceil(a / level);
      const stride = Math.floor(a / level);
      spans.push([i * stride, Math.min(i * stride + win, a)]);
    } else {
      spans.push([Math.floor((i * a) / level), Math.ceil(((i + 1) * a) / level)]);
    }
  }
  return spans;
}
