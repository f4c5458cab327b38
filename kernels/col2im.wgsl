// col2im as a gather (no atomics): dx[image0 + n, ci, iy, ix] = sum over taps (ky, kx) whose window covers the
// pixel of dcol[m * row_len + k], m = (n, oy, ox) with oy*s - pad + ky = iy, k = (ci, ky, kx).
// One invocation per input row (n, ci, iy) walks its pixels; divisions by the stride are skipped at stride 1.
struct Params {
  cin: u32, h: u32, w: u32, kh: u32, kw: u32, stride: u32, pad: u32, oh: u32, ow: u32,
  images: u32, image0: u32, row_len: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dcol: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
//#include flat_index

/** Output index o with o * stride == t, or -1. */
fn source(t: i32, count: u32) -> i32 {
  if (t < 0) { return -1; }
  var o = u32(t);
  if (p.stride != 1u) {
    if (o % p.stride != 0u) { return -1; }
    o = o / p.stride;
  }
  if (o >= count) { return -1; }
  return i32(o);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.images * p.cin * p.h) { return; }
  let n = i / (p.cin * p.h);
  let ci = (i / p.h) % p.cin;
  let iy = i % p.h;
  let out = ((p.image0 + n) * p.cin + ci) * p.h * p.w + iy * p.w;
  for (var ix = 0u; ix < p.w; ix++) {
    var acc = 0.0;
    for (var ky = 0u; ky < p.kh; ky++) {
      let oy = source(i32(iy + p.pad) - i32(ky), p.oh);
      if (oy < 0) { continue; }
      for (var kx = 0u; kx < p.kw; kx++) {
        let ox = source(i32(ix + p.pad) - i32(kx), p.ow);
        if (ox < 0) { continue; }
        let m = (n * p.oh + u32(oy)) * p.ow + u32(ox);
        acc += dcol[m * p.row_len + (ci * p.kh + ky) * p.kw + kx];
      }
    }
    dx[out + ix] = acc;
  }
}
