// Elementwise arithmetic over `total` items:
//   op 0: out = alpha * a + beta * b    (add, subtract, gradient accumulation)
//   op 1: out = alpha * a * b           (multiply)
//   op 2: out = alpha * a[i / s]        (broadcast one value per group of s items, e.g. global-pool backward)
struct Params { total: u32, op: u32, s: u32, alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  if (p.op == 0u) {
    out[i] = p.alpha * a[i] + p.beta * b[i];
  } else if (p.op == 1u) {
    out[i] = p.alpha * a[i] * b[i];
  } else {
    out[i] = p.alpha * a[i / p.s];
  }
}
