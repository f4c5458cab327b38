// Spatial pyramid pooling backward as a gather: each input position sums dy over every bin (of every level)
// whose maximum it was.
struct Params { total: u32, c: u32, h: u32, w: u32, bins: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read> argmax: array<u32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let r = i % (p.h * p.w);
  let nc = i / (p.h * p.w);
  let ch = nc % p.c;
  let n = nc / p.c;
  let iy = r / p.w;
  let ix = r % p.w;
  var acc = 0.0;
  for (var b = 0u; b < p.bins; b++) {
    let t = b * 7u;
    if (iy < table[t] || iy >= table[t + 1u] || ix < table[t + 2u] || ix >= table[t + 3u]) { continue; }
    let o = n * p.c * p.bins + p.c * table[t + 4u] + ch * table[t + 5u] + table[t + 6u];
    if (argmax[o] == r) { acc += dy[o]; }
  }
  dx[i] = acc;
}
