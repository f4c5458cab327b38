// Ops 0 and 1 of kernels/elementwise.wgsl on vec4s, for totals that are a multiple of 4 (the caller checks):
// on CPU adapters about twice as fast as the scalar kernel (fewer per-lane load loops and bounds checks).
//   op 0: out = alpha * a + beta * b;  op 1: out = alpha * a * b
struct Params { total: u32, op: u32, alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total / 4u) { return; }
  if (p.op == 0u) {
    out[i] = p.alpha * a[i] + p.beta * b[i];
  } else {
    out[i] = p.alpha * a[i] * b[i];
  }
}
