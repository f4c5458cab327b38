// Inverted dropout with a counter-based hash, so the mask is recomputed from (seed, index) in the backward pass
// instead of stored: out = keep ? in / (1 - rate) : 0, keep when hash(seed, offset + i) / 2^32 >= rate. The offset
// places a micro-batch inside its batch, so a split batch draws the masks the whole one would.
struct Params { total: u32, seed: u32, rate: f32, offset: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
//#include flat_index
//#include hash

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let u = f32(hash2(p.seed, p.offset + i) >> 8u) * (1.0 / 16777216.0);
  out[i] = select(0.0, src[i] / (1.0 - p.rate), u >= p.rate);
}
