/**
 * The float64 CPU reference of every op, forward and backward, written as plainly as possible: direct loops that
 * follow the definitions. The WebGPU kernels are tested against these, and these against finite differences.
 */
import type { ConvGeometry, PoolGeometry, SppGeometry } from "../geometry.ts";
import { hash2 } from "../util/hash.ts";

type F64 = Float64Array;

export function conv2d(x: F64, w: F64, bias: F64 | null, g: ConvGeometry): F64 {
  const y = new Float64Array(g.n * g.cout * g.oh * g.ow);
  for (let n = 0; n < g.n; n++) {
    for (let co = 0; co < g.cout; co++) {
      for (let oy = 0; oy < g.oh; oy++) {
        for (let ox = 0; ox < g.ow; ox++) {
          let acc = bias ? bias[co] : 0;
          for (let ci = 0; ci < g.cin; ci++) {
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * g.stride - g.pad + ky;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * g.stride - g.pad + kx;
                if (ix < 0 || ix >= g.w) continue;
                acc += x[((n * g.cin + ci) * g.h + iy) * g.w + ix] *
                  w[((co * g.cin + ci) * g.kh + ky) * g.kw + kx];
              }
            }
          }
          y[((n * g.cout + co) * g.oh + oy) * g.ow + ox] = acc;
        }
      }
    }
  }
  return y;
}

/** Both conv gradients in one pass over the forward's index space (the adjoint of `conv2d`). */
function conv2dGrads(dy: F64, x: F64, w: F64, g: ConvGeometry): { dx: F64; dw: F64 } {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < g.n; n++) {
    for (let co = 0; co < g.cout; co++) {
      for (let oy = 0; oy < g.oh; oy++) {
        for (let ox = 0; ox < g.ow; ox++) {
          const d = dy[((n * g.cout + co) * g.oh + oy) * g.ow + ox];
          for (let ci = 0; ci < g.cin; ci++) {
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * g.stride - g.pad + ky;
              if (iy < 0 || iy >= g.h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * g.stride - g.pad + kx;
                if (ix < 0 || ix >= g.w) continue;
                const xi = ((n * g.cin + ci) * g.h + iy) * g.w + ix;
                const wi = ((co * g.cin + ci) * g.kh + ky) * g.kw + kx;
                dx[xi] += d * w[wi];
                dw[wi] += d * x[xi];
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw };
}

export function conv2dGradInput(dy: F64, w: F64, g: ConvGeometry): F64 {
  return conv2dGrads(dy, new Float64Array(g.n * g.cin * g.h * g.w), w, g).dx;
}

export function conv2dGradWeight(dy: F64, x: F64, g: ConvGeometry): F64 {
  return conv2dGrads(dy, x, new Float64Array(g.cout * g.cin * g.kh * g.kw), g).dw;
}

/** out[c] = scale * sum over n, s of a[n, c, s] (mode "sum"), a * min(b, 0) ("prelu"), or [a not finite]. */
export function channelSum(
  a: F64,
  b: F64 | null,
  n: number,
  c: number,
  s: number,
  scale = 1,
  mode: "sum" | "prelu" | "nonfinite" = "sum",
): F64 {
  const out = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      for (let j = 0; j < s; j++) {
        const idx = (i * c + ch) * s + j;
        const v = a[idx];
        out[ch] += mode === "prelu"
          ? v * Math.min(b![idx], 0)
          : mode === "nonfinite"
          ? (Number.isFinite(v) ? 0 : 1)
          : v;
      }
    }
  }
  for (let ch = 0; ch < c; ch++) out[ch] *= scale;
  return out;
}

/** C = op(A) op(B) (+ bias per column); A is [M, K] or [K, M] when transA; B is [K, N] or [N, K] when transB. */
export function matmul(
  a: F64,
  b: F64,
  bias: F64 | null,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
): F64 {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = bias ? bias[j] : 0;
      for (let t = 0; t < k; t++) {
        acc += (transA ? a[t * m + i] : a[i * k + t]) * (transB ? b[j * k + t] : b[t * n + j]);
      }
      c[i * n + j] = acc;
    }
  }
  return c;
}

/** Slope for element i of an [n, c, s] tensor: fixed, or slopes[(i / s) % c] (channel-shared when c = 1). */
function slopeAt(i: number, slopes: F64 | null, fixed: number, c: number, s: number): number {
  return slopes ? slopes[Math.floor(i / s) % c] : fixed;
}

/** f(y) = max(0, y) + a min(0, y) (paper Eq. 1): ReLU (a = 0), leaky ReLU (fixed a) or PReLU (learned a). */
export function activation(x: F64, slopes: F64 | null, fixed: number, c: number, s: number): F64 {
  return x.map((v, i) => (v > 0 ? v : slopeAt(i, slopes, fixed, c, s) * v));
}

export function activationGradInput(
  dy: F64,
  x: F64,
  slopes: F64 | null,
  fixed: number,
  c: number,
  s: number,
): F64 {
  return dy.map((d, i) => (x[i] > 0 ? d : slopeAt(i, slopes, fixed, c, s) * d));
}

export function maxPool(x: F64, g: PoolGeometry): { y: F64; argmax: F64 } {
  const planes = g.n * g.c;
  const y = new Float64Array(planes * g.oh * g.ow);
  const argmax = new Float64Array(y.length);
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        const y0 = oy * g.stride - g.pad;
        const x0 = ox * g.stride - g.pad;
        let best = -Infinity;
        let at = Math.max(y0, 0) * g.w + Math.max(x0, 0);
        for (let iy = Math.max(y0, 0); iy < Math.min(y0 + g.k, g.h); iy++) {
          for (let ix = Math.max(x0, 0); ix < Math.min(x0 + g.k, g.w); ix++) {
            const v = x[p * g.h * g.w + iy * g.w + ix];
            if (v > best) {
              best = v;
              at = iy * g.w + ix;
            }
          }
        }
        const o = (p * g.oh + oy) * g.ow + ox;
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
  return { y, argmax };
}

/** Routes each output gradient to the input position its window chose (planes of h*w, outputs of outPerPlane). */
function scatterArgmax(dy: F64, argmax: F64, planes: number, outPerPlane: number, inPerPlane: number): F64 {
  const dx = new Float64Array(planes * inPerPlane);
  for (let p = 0; p < planes; p++) {
    for (let o = 0; o < outPerPlane; o++) {
      dx[p * inPerPlane + argmax[p * outPerPlane + o]] += dy[p * outPerPlane + o];
    }
  }
  return dx;
}

export function maxPoolGrad(dy: F64, argmax: F64, g: PoolGeometry): F64 {
  return scatterArgmax(dy, argmax, g.n * g.c, g.oh * g.ow, g.h * g.w);
}

/** Output [n, sum over levels of c * level^2], level by level, each level [c][bins] (SPP-net's order). */
export function spp(x: F64, g: SppGeometry): { y: F64; argmax: F64 } {
  const y = new Float64Array(g.n * g.c * g.bins);
  const argmax = new Float64Array(y.length);
  const t = g.table;
  for (let n = 0; n < g.n; n++) {
    for (let c = 0; c < g.c; c++) {
      const base = (n * g.c + c) * g.h * g.w;
      for (let b = 0; b < g.bins; b++) {
        let best = -Infinity;
        let at = t[b * 7] * g.w + t[b * 7 + 2];
        for (let iy = t[b * 7]; iy < t[b * 7 + 1]; iy++) {
          for (let ix = t[b * 7 + 2]; ix < t[b * 7 + 3]; ix++) {
            const v = x[base + iy * g.w + ix];
            if (v > best) {
              best = v;
              at = iy * g.w + ix;
            }
          }
        }
        const o = n * g.c * g.bins + g.c * t[b * 7 + 4] + c * t[b * 7 + 5] + t[b * 7 + 6];
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
  return { y, argmax };
}

export function sppGrad(dy: F64, argmax: F64, g: SppGeometry): F64 {
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  const t = g.table;
  for (let n = 0; n < g.n; n++) {
    for (let c = 0; c < g.c; c++) {
      for (let b = 0; b < g.bins; b++) {
        const o = n * g.c * g.bins + g.c * t[b * 7 + 4] + c * t[b * 7 + 5] + t[b * 7 + 6];
        dx[(n * g.c + c) * g.h * g.w + argmax[o]] += dy[o];
      }
    }
  }
  return dx;
}

/** Inverted dropout with the same counter-based mask as kernels/dropout.wgsl. */
export function dropout(x: F64, rate: number, seed: number, offset = 0): F64 {
  const keepScale = 1 / (1 - Math.fround(rate));
  return x.map((
    v,
    i,
  ) => ((hash2(seed, (offset + i) >>> 0) >>> 8) / 16777216 >= Math.fround(rate) ? v * keepScale : 0));
}

export function softmaxCrossEntropy(
  logits: F64,
  labels: F64,
  rows: number,
  classes: number,
): { loss: F64; probs: F64 } {
  const probs = new Float64Array(rows * classes);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let mx = -Infinity;
    for (let j = 0; j < classes; j++) mx = Math.max(mx, logits[r * classes + j]);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[r * classes + j] - mx);
    for (let j = 0; j < classes; j++) probs[r * classes + j] = Math.exp(logits[r * classes + j] - mx) / sum;
    total += Math.log(sum) + mx - logits[r * classes + labels[r]];
  }
  return { loss: Float64Array.of(total / rows), probs };
}

export function softmaxCrossEntropyGrad(
  probs: F64,
  labels: F64,
  dloss: number,
  rows: number,
  classes: number,
): F64 {
  return probs.map((p, i) => {
    const r = Math.floor(i / classes);
    return ((p - (labels[r] === i % classes ? 1 : 0)) * dloss) / rows;
  });
}

/** [top-1 correct count, top-k correct count]; ties rank the lower class index first, as the kernel does. */
export function topkCorrect(logits: F64, labels: F64, rows: number, classes: number, k: number): F64 {
  const out = new Float64Array(2);
  for (let r = 0; r < rows; r++) {
    const label = labels[r];
    const score = logits[r * classes + label];
    let rank = 0;
    for (let j = 0; j < classes; j++) {
      const v = logits[r * classes + j];
      if (v > score || (v === score && j < label)) rank++;
    }
    if (rank < 1) out[0]++;
    if (rank < k) out[1]++;
  }
  return out;
}

/** Wrap-around padding of [planes, h, w] maps by `pad`; with fold, its adjoint (padded maps summed back). */
export function concatColumns(parts: F64[], rows: number, widths: number[]): F64 {
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float64Array(rows * total);
  let col = 0;
  parts.forEach((part, k) => {
    for (let r = 0; r < rows; r++) {
      out.set(part.subarray(r * widths[k], (r + 1) * widths[k]), r * total + col);
    }
    col += widths[k];
  });
  return out;
}

export function sliceColumns(x: F64, rows: number, total: number, first: number, width: number): F64 {
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(x.subarray(r * total + first, r * total + first + width), r * width);
  return out;
}

export function circularPad(src: F64, planes: number, h: number, w: number, pad: number, fold: boolean): F64 {
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const wrap = (v: number, n: number) => ((v % n) + n) % n;
  const out = new Float64Array(fold ? planes * h * w : planes * ph * pw);
  for (let p = 0; p < planes; p++) {
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        const inner = (p * h + wrap(py - pad, h)) * w + wrap(px - pad, w);
        const padded = (p * ph + py) * pw + px;
        if (fold) out[inner] += src[padded];
        else out[padded] = src[inner];
      }
    }
  }
  return out;
}

/** In place: v = momentum v + lr (g + wd w); w -= v. */
export function sgdUpdate(w: F64, g: F64, v: F64, lr: number, momentum: number, weightDecay: number): void {
  for (let i = 0; i < w.length; i++) {
    v[i] = momentum * v[i] + lr * (g[i] + weightDecay * w[i]);
    w[i] -= v[i];
  }
}
