// SGD with momentum (paper Eq. 4, Caffe's form): v = momentum * v + lr * (g + weight_decay * w); w = w - v.
// The caller folds per-parameter learning-rate and weight-decay multipliers into lr and weight_decay.
struct Params { total: u32, lr: f32, momentum: f32, weight_decay: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let step = p.momentum * v[i] + p.lr * (g[i] + p.weight_decay * w[i]);
  v[i] = step;
  w[i] = w[i] - step;
}
