// Convolution backward with respect to the weights, as a GEMM: rows = output channels, columns j = (ci, ky, kx),
// k = (n, oy, ox) over the batch and output positions. dw[co, j] = sum_k dy[n, co, oy, ox] * x[n, ci, iy, ix].
struct Params {
  M: u32, N: u32, K: u32,
  cin: u32, h: u32, w: u32,
  kh: u32, kw: u32, stride: u32, pad: u32,
  oh: u32, ow: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

fn load_a(co: u32, k: u32) -> f32 {
  let ohw = p.oh * p.ow;
  let n = k / ohw;
  let r = k % ohw;
  return dy[(n * p.M + co) * ohw + r];
}

fn load_b(k: u32, j: u32) -> f32 {
  let ohw = p.oh * p.ow;
  let n = k / ohw;
  let r = k % ohw;
  let oy = r / p.ow;
  let ox = r % p.ow;
  let kk = p.kh * p.kw;
  let ci = j / kk;
  let kr = j % kk;
  let iy = i32(oy * p.stride + kr / p.kw) - i32(p.pad);
  let ix = i32(ox * p.stride + kr % p.kw) - i32(p.pad);
  if (iy < 0 || ix < 0 || iy >= i32(p.h) || ix >= i32(p.w)) { return 0.0; }
  return x[((n * p.cin + ci) * p.h + u32(iy)) * p.w + u32(ix)];
}

fn store_c(co: u32, j: u32, v: f32) {
  dw[co * p.N + j] = v;
}

//#include gemm_core
