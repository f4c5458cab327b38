// Rectifier family on an [n, c, s] tensor: y = x if x > 0 else a * x, where a is the fixed slope (ReLU: 0,
// leaky ReLU: fixed a) when use_slopes = 0, or the learned PReLU slope slopes[(i / s) % c] (channel-shared: c = 1).
struct Params { total: u32, c: u32, s: u32, use_slopes: u32, fixed_slope: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> slopes: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  var a = p.fixed_slope;
  if (p.use_slopes == 1u) { a = slopes[(i / p.s) % p.c]; }
  let v = x[i];
  y[i] = select(a * v, v, v > 0.0);
}
