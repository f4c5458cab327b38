// Second pass of a per-channel reduction: out[ch] = scale * sum over n and r of partial[(n * c + ch) * runs + r],
// one invocation per channel (see kernels/reduce_runs.wgsl). Each image's runs are summed apart before they join
// the total, so rounding grows with about runs + n terms rather than runs * n.
struct Params { n: u32, c: u32, runs: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let ch = flat_index(gid, groups);
  if (ch >= p.c) { return; }
  var acc = 0.0;
  let step = p.c * p.runs;
  var at = ch * p.runs;
  for (var n = 0u; n < p.n; n++) {
    var image = 0.0;
    var block = 0.0;
    for (var r = 0u; r < p.runs; r++) {
      block += partial[at + r];
      if ((r & 31u) == 31u) {
        image += block;
        block = 0.0;
      }
    }
    acc += image + block;
    at += step;
  }
  out[ch] = acc * p.scale;
}
