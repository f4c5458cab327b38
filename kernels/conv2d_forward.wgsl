// Convolution forward as an implicit GEMM: rows m = (n, oy, ox) output positions, columns = output channels,
// k = (ci, ky, kx). y[n, co, oy, ox] = bias[co] + sum_k x[n, ci, oy*s - pad + ky, ox*s - pad + kx] * w[co, k].
struct Params {
  M: u32, N: u32, K: u32,
  cin: u32, h: u32, w: u32,
  kh: u32, kw: u32, stride: u32, pad: u32,
  oh: u32, ow: u32, has_bias: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn load_a(m: u32, k: u32) -> f32 {
  let ohw = p.oh * p.ow;
  let n = m / ohw;
  let r = m % ohw;
  let oy = r / p.ow;
  let ox = r % p.ow;
  let kk = p.kh * p.kw;
  let ci = k / kk;
  let kr = k % kk;
  let iy = i32(oy * p.stride + kr / p.kw) - i32(p.pad);
  let ix = i32(ox * p.stride + kr % p.kw) - i32(p.pad);
  if (iy < 0 || ix < 0 || iy >= i32(p.h) || ix >= i32(p.w)) { return 0.0; }
  return x[((n * p.cin + ci) * p.h + u32(iy)) * p.w + u32(ix)];
}

fn load_b(k: u32, n: u32) -> f32 {
  return wt[n * p.K + k];
}

fn store_c(m: u32, co: u32, v: f32) {
  let ohw = p.oh * p.ow;
  let n = m / ohw;
  let r = m % ohw;
  var out = v;
  if (p.has_bias == 1u) { out += bias[co]; }
  y[(n * p.N + co) * ohw + r] = out;
}

//#include gemm_core
