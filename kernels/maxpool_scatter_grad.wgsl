// Max pooling backward when windows do not overlap (kernel <= stride): each output window writes its gradient to
// the position it chose and zeros to the rest of its window, so no two invocations touch the same element. The
// caller zero-fills dx first for positions no window covers.
struct Params { total: u32, h: u32, w: u32, oh: u32, ow: u32, k: u32, stride: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
//#include flat_index
//#include pool_window

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let win = pool_window(i);
  let chosen = argmax[i];
  let g = dy[i];
  for (var iy = win.ys; iy < win.ye; iy++) {
    for (var ix = win.xs; ix < win.xe; ix++) {
      let at = iy * p.w + ix;
      dx[win.base + at] = select(0.0, g, at == chosen);
    }
  }
}
