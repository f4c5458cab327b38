// d(mean loss)/d logits = (probs - onehot(label)) * dloss / rows, with dloss read from the GPU (no readback).
struct Params { rows: u32, classes: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read> dloss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.rows * p.classes) { return; }
  let r = i / p.classes;
  let j = i % p.classes;
  let onehot = select(0.0, 1.0, u32(labels[r]) == j);
  dlogits[i] = (probs[i] - onehot) * dloss[0] / f32(p.rows);
}
