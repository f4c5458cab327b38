// Spatial pyramid max pooling, one invocation per (n, c) plane walking every bin of every level. bins[7 * b ..] =
// (y_start, y_end, x_start, x_end, level_offset, bins_in_level, index_in_level); the output of image n is laid
// out level by level, each level [c][bins_in_level], as SPP-net concatenates its pyramid. argmax holds the
// winning position within the plane, for the backward pass.
struct Params { planes: u32, c: u32, h: u32, w: u32, bins: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> argmax: array<u32>;
//#include flat_index

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let nc = gid.x + gid.y * groups.x * 64u;
  if (nc >= p.planes) { return; }
  let ch = nc % p.c;
  let out0 = (nc / p.c) * p.c * p.bins;
  let base = nc * p.h * p.w;
  for (var b = 0u; b < p.bins; b++) {
    let t = b * 7u;
    let y0 = table[t];
    let y1 = table[t + 1u];
    let x0 = table[t + 2u];
    let x1 = table[t + 3u];
    var best = -3.4e38;
    var best_at = y0 * p.w + x0;
    for (var iy = y0; iy < y1; iy++) {
      for (var ix = x0; ix < x1; ix++) {
        let v = x[base + iy * p.w + ix];
        if (v > best) {
          best = v;
          best_at = iy * p.w + ix;
        }
      }
    }
    let o = out0 + p.c * table[t + 4u] + ch * table[t + 5u] + table[t + 6u];
    y[o] = best;
    argmax[o] = best_at;
  }
}
