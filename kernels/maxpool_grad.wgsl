// Max pooling backward as a gather (no atomics): each input position sums dy over the windows that chose it.
struct Params { total: u32, h: u32, w: u32, oh: u32, ow: u32, k: u32, stride: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
//#include flat_index

// First and last window index along one axis whose span [o*s - pad, o*s - pad + k) contains position i.
fn window_range(i: u32, count: u32) -> vec2<i32> {
  let t = i32(i + p.pad);
  let d = t - i32(p.k);
  let first = select(d / i32(p.stride) + 1, 0, d < 0);
  let last = min(t / i32(p.stride), i32(count) - 1);
  return vec2<i32>(first, last);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let plane = i / (p.h * p.w);
  let r = i % (p.h * p.w);
  let ry = window_range(r / p.w, p.oh);
  let rx = window_range(r % p.w, p.ow);
  let base = plane * p.oh * p.ow;
  var acc = 0.0;
  for (var oy = ry.x; oy <= ry.y; oy++) {
    for (var ox = rx.x; ox <= rx.y; ox++) {
      let o = base + u32(oy) * p.ow + u32(ox);
      if (argmax[o] == r) { acc += dy[o]; }
    }
  }
  dx[i] = acc;
}
