// Spatial pyramid max pooling: one invocation per (n, c, bin). bins[7 * b ..] = (y_start, y_end, x_start, x_end,
// level_offset, bins_in_level, index_in_level); the output of image n is laid out level by level, each level
// [c][bins_in_level], as SPP-net concatenates its pyramid.
struct Params { total: u32, c: u32, h: u32, w: u32, bins: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> argmax: array<u32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let b = i % p.bins;
  let nc = i / p.bins;
  let ch = nc % p.c;
  let n = nc / p.c;
  let t = b * 7u;
  let base = nc * p.h * p.w;
  var best = -3.4e38;
  var best_at = table[t] * p.w + table[t + 2u];
  for (var iy = table[t]; iy < table[t + 1u]; iy++) {
    for (var ix = table[t + 2u]; ix < table[t + 3u]; ix++) {
      let v = x[base + iy * p.w + ix];
      if (v > best) { best = v; best_at = iy * p.w + ix; }
    }
  }
  let o = n * p.c * p.bins + p.c * table[t + 4u] + ch * table[t + 5u] + table[t + 6u];
  y[o] = best;
  argmax[o] = best_at;
}
