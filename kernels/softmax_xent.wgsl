// Softmax cross-entropy, one invocation per row: probs = softmax(logits), loss[r] = logsumexp - logit[label].
struct Params { rows: u32, classes: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read_write> probs: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= p.rows) { return; }
  let base = r * p.classes;
  var mx = -3.4e38;
  for (var j = 0u; j < p.classes; j++) { mx = max(mx, logits[base + j]); }
  var total = 0.0;
  for (var j = 0u; j < p.classes; j++) {
    let e = exp(logits[base + j] - mx);
    probs[base + j] = e;
    total += e;
  }
  for (var j = 0u; j < p.classes; j++) { probs[base + j] = probs[base + j] / total; }
  let label = u32(labels[r]);
  loss[r] = log(total) + mx - logits[base + label];
}
