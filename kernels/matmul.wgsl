// C[m, n] = sum_k op(A)[m, k] * op(B)[k, n] (+ bias[n]), where op transposes when the flag is set.
// A is stored [M, K] (or [K, M] when trans_a), B is stored [K, N] (or [N, K] when trans_b).
struct Params {
  M: u32, N: u32, K: u32,
  trans_a: u32, trans_b: u32, has_bias: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn load_a(m: u32, k: u32) -> f32 {
  if (p.trans_a == 1u) { return a[k * p.M + m]; }
  return a[m * p.K + k];
}

fn load_b(k: u32, n: u32) -> f32 {
  if (p.trans_b == 1u) { return b[n * p.K + k]; }
  return b[k * p.N + n];
}

fn store_c(m: u32, n: u32, v: f32) {
  var out = v;
  if (p.has_bias == 1u) { out += bias[n]; }
  c[m * p.N + n] = out;
}

//#include gemm_core
