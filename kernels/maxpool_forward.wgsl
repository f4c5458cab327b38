// Max pooling over an [nc, h, w] tensor: one invocation per output; records the argmax (iy * w + ix) for backward.
struct Params { total: u32, h: u32, w: u32, oh: u32, ow: u32, k: u32, stride: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;
//#include flat_index
//#include pool_window

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let win = pool_window(i);
  var best = -3.4e38;
  var best_at = win.ys * p.w + win.xs;
  for (var iy = win.ys; iy < win.ye; iy++) {
    for (var ix = win.xs; ix < win.xe; ix++) {
      let v = x[win.base + iy * p.w + ix];
      if (v > best) { best = v; best_at = iy * p.w + ix; }
    }
  }
  y[i] = best;
  argmax[i] = best_at;
}
