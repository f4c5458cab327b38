// Gradient of the rectifier family with respect to its input: dx = dy if x > 0 else a * dy (paper Eq. 1), in
// runs of one channel plane as in activation_forward.wgsl.
struct Params { planes: u32, c: u32, s: u32, use_slopes: u32, fixed_slope: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> slopes: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
//#include flat_index
//#include plane_runs

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = plane_run(flat_index(gid, groups), p.planes, p.s);
  if (r.end == 0u) { return; }
  var a = p.fixed_slope;
  if (p.use_slopes == 1u) { a = slopes[r.plane % p.c]; }
  for (var i = r.begin; i < r.end; i++) {
    let g = dy[i];
    dx[i] = select(a * g, g, x[i] > 0.0);
  }
}
