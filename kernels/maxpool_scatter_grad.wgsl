// Max pooling backward when windows do not overlap (kernel <= stride): each output window writes its gradient to
// the position it chose and zeros to the rest of its window, so no two invocations touch the same element. The
// caller zero-fills dx first for positions no window covers.
struct Params { total: u32, h: u32, w: u32, oh: u32, ow: u32, k: u32, stride: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let plane = i / (p.oh * p.ow);
  let r = i % (p.oh * p.ow);
  let y0 = i32((r / p.ow) * p.stride) - i32(p.pad);
  let x0 = i32((r % p.ow) * p.stride) - i32(p.pad);
  let ys = u32(max(y0, 0));
  let xs = u32(max(x0, 0));
  let ye = u32(min(y0 + i32(p.k), i32(p.h)));
  let xe = u32(min(x0 + i32(p.k), i32(p.w)));
  let base = plane * p.h * p.w;
  let chosen = argmax[i];
  let g = dy[i];
  for (var iy = ys; iy < ye; iy++) {
    for (var ix = xs; ix < xe; ix++) {
      let at = iy * p.w + ix;
      dx[base + at] = select(0.0, g, at == chosen);
    }
  }
}
