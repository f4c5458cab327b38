// Spatial pyramid pooling backward, one invocation per (n, c) plane: zero the plane's gradient, then add each
// bin's dy at the position that won it. One invocation owns the plane, so the bins of different levels that share
// a winner add up without atomics.
struct Params { planes: u32, c: u32, h: u32, w: u32, bins: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read> argmax: array<u32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let nc = gid.x + gid.y * groups.x * 64u;
  if (nc >= p.planes) { return; }
  let ch = nc % p.c;
  let out0 = (nc / p.c) * p.c * p.bins;
  let base = nc * p.h * p.w;
  for (var i = 0u; i < p.h * p.w; i++) { dx[base + i] = 0.0; }
  for (var b = 0u; b < p.bins; b++) {
    let t = b * 7u;
    let o = out0 + p.c * table[t + 4u] + ch * table[t + 5u] + table[t + 6u];
    let at = base + argmax[o];
    dx[at] = dx[at] + dy[o];
  }
}
