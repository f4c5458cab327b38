// kernels/sgd_update.wgsl on vec4s, for parameter tensors whose size is a multiple of 4 (the caller checks).
struct Params { total: u32, lr: f32, momentum: f32, weight_decay: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> v: array<vec4<f32>>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total / 4u) { return; }
  let old = w[i];
  let step = p.momentum * v[i] + p.lr * (g[i] + p.weight_decay * old);
  v[i] = step;
  w[i] = old - step;
}
