// Gradient of the rectifier family (kernels/rectifier_forward.wgsl) with respect to its input:
// dx = dy if x > 0 else a * dy. With learned slopes it also writes, per run, the partial sum of the slope gradient
// dy * min(x, 0) (paper Eq. 2-3) to partial[run], so the slope gradient costs one reduction over runs
// (kernels/reduce_planes.wgsl) instead of a second pass over dy and x. One invocation per run of RUN elements of
// one channel plane (kernels/plane_runs.wgsl): the channel is found with one division per run.
struct Params { planes: u32, c: u32, s: u32, use_slopes: u32, fixed_slope: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> slopes: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;
//#include flat_index
//#include plane_runs

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = flat_index(gid, groups);
  let r = plane_run(t, p.planes, p.s);
  if (r.end == 0u) { return; }
  var a = p.fixed_slope;
  if (p.use_slopes == 1u) { a = slopes[r.plane % p.c]; }
  var acc = 0.0;
  for (var i = r.begin; i < r.end; i++) {
    let g = dy[i];
    let v = x[i];
    dx[i] = select(a * g, g, v > 0.0);
    acc += g * min(v, 0.0);
  }
  if (p.use_slopes == 1u) { partial[t] = acc; }
}
