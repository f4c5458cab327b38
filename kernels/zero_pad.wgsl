// Zero padding of [planes, h, w] maps to [planes, h + 2 pad_y, w + 2 pad_x], so the implicit GEMM
// (gemm_implicit.wgsl) reads every filter tap without a bounds check. One invocation writes one padded row.
struct Params { rows: u32, h: u32, w: u32, pad_y: u32, pad_x: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.rows) { return; }
  let ph = p.h + 2u * p.pad_y;
  let pw = p.w + 2u * p.pad_x;
  let plane = i / ph;
  let y = i % ph;
  let at = i * pw;
  let inside = y >= p.pad_y && y < p.h + p.pad_y;
  let src_row = (plane * p.h + select(0u, y - p.pad_y, inside)) * p.w;
  for (var x = 0u; x < pw; x++) {
    let sx = x - p.pad_x;
    let v = src[src_row + min(sx, p.w - 1u)];
    out[at + x] = select(0.0, v, inside && x >= p.pad_x && sx < p.w);
  }
}
