// Per row: out[2r] = 1 if the label is the top-1 prediction, out[2r + 1] = 1 if it is among the top k.
// The label's rank counts classes scoring higher, ties broken toward the lower class index.
struct Params { rows: u32, classes: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= p.rows) { return; }
  let base = r * p.classes;
  let label = u32(labels[r]);
  let score = logits[base + label];
  var rank = 0u;
  for (var j = 0u; j < p.classes; j++) {
    let v = logits[base + j];
    if (v > score || (v == score && j < label)) { rank++; }
  }
  out[2u * r] = select(0.0, 1.0, rank < 1u);
  out[2u * r + 1u] = select(0.0, 1.0, rank < p.k);
}
