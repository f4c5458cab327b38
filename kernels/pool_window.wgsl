// The input window of pooling output i over [nc, h, w] maps (uses the including kernel's p: Params with h, w, oh,
// ow, k, stride, pad): rows [ys, ye), columns [xs, xe), clipped to the map, and the offset of its plane.
struct PoolWindow { ys: u32, ye: u32, xs: u32, xe: u32, base: u32 }

fn pool_window(i: u32) -> PoolWindow {
  let plane = i / (p.oh * p.ow);
  let r = i % (p.oh * p.ow);
  let y0 = i32((r / p.ow) * p.stride) - i32(p.pad);
  let x0 = i32((r % p.ow) * p.stride) - i32(p.pad);
  return PoolWindow(
    u32(max(y0, 0)),
    u32(min(y0 + i32(p.k), i32(p.h))),
    u32(max(x0, 0)),
    u32(min(x0 + i32(p.k), i32(p.w))),
    plane * p.h * p.w,
  );
}
