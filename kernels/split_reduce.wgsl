// Sums the split-K partials of the packed GEMM ([splits][M][N], row-major) and stores the result the way
// the GEMM would: mode 0 row-major with row stride ldc, mode 1 NCHW with `channels` maps; optional bias and
// accumulation. Output column n' = n_offset + n (the partials may hold a slice of the columns).
struct Params {
  M: u32, N: u32, splits: u32,
  mode: u32, ldc: u32, spatial: u32, has_bias: u32, accumulate: u32, out_offset: u32, n_offset: u32,
  channels: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  let mn = p.M * p.N;
  if (i >= mn) { return; }
  var v = 0.0;
  for (var z = 0u; z < p.splits; z++) { v += partial[z * mn + i]; }
  let m = i / p.N;
  let n = p.n_offset + i % p.N;
  if (p.has_bias == 1u) { v += bias[n]; }
  var at: u32;
  if (p.mode == 1u) {
    at = p.out_offset + ((m / p.spatial) * p.channels + n) * p.spatial + m % p.spatial;
  } else {
    at = p.out_offset + m * p.ldc + n;
  }
  if (p.accumulate == 1u) { v += c[at]; }
  c[at] = v;
}
