// Packed GEMM: C[m, n] = sum over k of A[m, k] B[k, n], with A stored transposed ([K][m] rows) and B as [K][n]
// rows, both zero-padded to whole blocks, so every load is an aligned vec4. Each invocation owns a block of
// 4*RA rows x 4*CB columns held in RA*4 x CB vec4 accumulators: per k it loads RA + CB vec4s and does
// 16*RA*CB multiply-adds. Lines starting with //@gen are expanded for the chosen RA x CB by lib/webgpu/gemm_variant.ts
// (register blocks cannot be indexed dynamically without spilling to memory).
// gid.z selects a slice of K (split-K); slice z writes at out_offset + z * split_stride.
// Store modes: 0 row-major c[m * ldc + n] (+ bias[n]); 1 NCHW c[((m / S) * N + n) * S + m % S] (+ bias[n]);
// accumulate = 1 adds to what is there.
struct Params {
  M: u32, N: u32, K: u32,
  a_row: u32, b_row: u32,
  m_blocks: u32, n_blocks: u32,
  k_chunk: u32,
  mode: u32, ldc: u32, spatial: u32, has_bias: u32, accumulate: u32,
  out_offset: u32, split_stride: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Where row m starts in the output, and the distance between its columns (divisions once per row, not per
// element: they are slow on CPU adapters).
fn row_base(m: u32, base: u32) -> u32 {
  if (p.mode == 1u) { return base + (m / p.spatial) * p.N * p.spatial + m % p.spatial; }
  return base + m * p.ldc;
}

fn col_stride() -> u32 {
  return select(1u, p.spatial, p.mode == 1u);
}

fn store4(m: u32, row: u32, stride: u32, n: u32, v: vec4<f32>) {
  if (m >= p.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (n + j >= p.N) { return; }
    var out = v[j];
    if (p.has_bias == 1u) { out += bias[n + j]; }
    let at = row + (n + j) * stride;
    if (p.accumulate == 1u) { out += c[at]; }
    c[at] = out;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let lane = gid.x + gid.y * groups.x * 64u;
  if (lane >= p.m_blocks * p.n_blocks) { return; }
  let mb = lane % p.m_blocks;
  let nb = lane / p.m_blocks;
  let a0 = mb * RA;
  let b0 = nb * CB;
  let k0 = gid.z * p.k_chunk;
  let k1 = min(k0 + p.k_chunk, p.K);
  //@gen decl
  for (var k = k0; k < k1; k++) {
    let ar = k * p.a_row + a0;
    let br = k * p.b_row + b0;
    //@gen load
    //@gen fma
  }
  let base = p.out_offset + gid.z * p.split_stride;
  let m0 = a0 * 4u;
  let n0 = b0 * 4u;
  let stride = col_stride();
  //@gen store
}
