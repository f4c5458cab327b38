// kernels/rectifier_grad_input.wgsl on vec4s, for planes whose size is a multiple of 4 (the caller checks). Its
// runs hold the same elements as the scalar kernel's, so `partial` has the same layout and values.
struct Params { planes: u32, c: u32, s: u32, use_slopes: u32, fixed_slope: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> slopes: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;
//#include flat_index
//#include plane_runs

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = flat_index(gid, groups);
  let r = plane_run_of(t, p.planes, p.s / 4u, RUN / 4u);
  if (r.end == 0u) { return; }
  var a = p.fixed_slope;
  if (p.use_slopes == 1u) { a = slopes[r.plane % p.c]; }
  // The slope gradient is summed element by element in the scalar kernel's order, so both kernels give the same
  // bits (a lane-wise vec4 sum would round differently and, through training, change results).
  var acc = 0.0;
  for (var i = r.begin; i < r.end; i++) {
    let g = dy[i];
    let v = x[i];
    dx[i] = select(a * g, g, v > vec4<f32>(0.0));
    let m = g * min(v, vec4<f32>(0.0));
    acc += m.x;
    acc += m.y;
    acc += m.z;
    acc += m.w;
  }
  if (p.use_slopes == 1u) { partial[t] = acc; }
}
