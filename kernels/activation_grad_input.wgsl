// Gradient of the rectifier family with respect to its input: dx = dy if x > 0 else a * dy (paper Eq. 1).
struct Params { total: u32, c: u32, s: u32, use_slopes: u32, fixed_slope: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> slopes: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  var a = p.fixed_slope;
  if (p.use_slopes == 1u) { a = slopes[(i / p.s) % p.c]; }
  let g = dy[i];
  dx[i] = select(a * g, g, x[i] > 0.0);
}
