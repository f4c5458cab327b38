// Rectifier family on an [n, c, s] tensor: y = x if x > 0 else a * x, where a is the fixed slope (ReLU: 0,
// leaky ReLU: fixed a) when use_slopes = 0, or the learned PReLU slope of the element's channel (channel-shared:
// c = 1). One invocation handles a run of RUN elements of one channel plane, so the channel is found with one
// division per run rather than per element (integer division is slow on CPU adapters).
struct Params { planes: u32, c: u32, s: u32, use_slopes: u32, fixed_slope: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> slopes: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
//#include flat_index
//#include plane_runs

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = plane_run(flat_index(gid, groups), p.planes, p.s);
  if (r.end == 0u) { return; }
  var a = p.fixed_slope;
  if (p.use_slopes == 1u) { a = slopes[r.plane % p.c]; }
  for (var i = r.begin; i < r.end; i++) {
    let v = x[i];
    y[i] = select(a * v, v, v > 0.0);
  }
}
