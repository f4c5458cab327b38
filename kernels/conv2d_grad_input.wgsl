// Convolution backward with respect to the input, as an implicit GEMM: rows m = (n, iy, ix) input positions,
// columns = input channels, k = (co, ky, kx). A[m, k] is dy[n, co, oy, ox] where oy*s - pad + ky = iy (zero where
// no such output position exists), B[k, ci] = w[co, ci, ky, kx].
struct Params {
  M: u32, N: u32, K: u32,
  cout: u32, h: u32, w: u32,
  kh: u32, kw: u32, stride: u32, pad: u32,
  oh: u32, ow: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

fn load_a(m: u32, k: u32) -> f32 {
  let hw = p.h * p.w;
  let n = m / hw;
  let r = m % hw;
  let iy = r / p.w;
  let ix = r % p.w;
  let kk = p.kh * p.kw;
  let co = k / kk;
  let kr = k % kk;
  let ty = i32(iy + p.pad) - i32(kr / p.kw);
  let tx = i32(ix + p.pad) - i32(kr % p.kw);
  if (ty < 0 || tx < 0) { return 0.0; }
  let uy = u32(ty);
  let ux = u32(tx);
  if (uy % p.stride != 0u || ux % p.stride != 0u) { return 0.0; }
  let oy = uy / p.stride;
  let ox = ux / p.stride;
  if (oy >= p.oh || ox >= p.ow) { return 0.0; }
  return dy[((n * p.cout + co) * p.oh + oy) * p.ow + ox];
}

fn load_b(k: u32, ci: u32) -> f32 {
  let kk = p.kh * p.kw;
  let co = k / kk;
  let kr = k % kk;
  return wt[(co * p.N + ci) * kk + kr];
}

fn store_c(m: u32, ci: u32, v: f32) {
  let hw = p.h * p.w;
  let n = m / hw;
  let r = m % hw;
  dx[(n * p.N + ci) * hw + r] = v;
}

//#include gemm_core
