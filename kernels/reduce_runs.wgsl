// First pass of a per-channel reduction over an [n, c, s] tensor: partial[(n * c + ch) * runs + r] = the sum of
// f(a) over run r (RUN elements: short runs keep rounding small) of plane (n, ch). One invocation per run, no barriers (on CPU adapters a
// barrier switches coroutines); kernels/reduce_planes.wgsl finishes the sum.
//   mode 0: f = a                   (bias gradients, sums, means, global average pooling)
//   mode 2: f = 1 if a is NaN or Inf (finite checks for the training loop)
// PReLU's slope gradient has a kernel of its own, fused with its input gradient.
struct Params { planes: u32, s: u32, runs: u32, mode: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
//#include flat_index

const RUN: u32 = 16u;

fn term(i: u32) -> f32 {
  let v = a[i];
  if (p.mode == 2u) { return select(0.0, 1.0, (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u); }
  return v;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.planes * p.runs) { return; }
  let plane = i / p.runs;
  let begin = plane * p.s + (i % p.runs) * RUN;
  let end = min(begin + RUN, (plane + 1u) * p.s);
  var acc = 0.0;
  for (var j = begin; j < end; j++) { acc += term(j); }
  partial[i] = acc;
}
