// Circular (wrap-around) padding of an [planes, h, w] tensor by `pad` on every side, and its adjoint:
//   mode 0 (pad):  out[p, y, x] = in[p, (y - pad) mod h, (x - pad) mod w], out is (h + 2 pad) x (w + 2 pad);
//   mode 1 (fold): out[p, y, x] = sum of in[p, y + pad + i h, x + pad + j w] over i, j in {-1, 0, 1} in range,
//                  the gradient of mode 0 (out is h x w, in is padded).
// A convolution on a torus has no border, so variance studies see every position alike.
struct Params { total: u32, h: u32, w: u32, pad: u32, mode: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.total) { return; }
  let ph = p.h + 2u * p.pad;
  let pw = p.w + 2u * p.pad;
  if (p.mode == 0u) {
    let plane = i / (ph * pw);
    let y = (i / pw) % ph;
    let x = i % pw;
    let sy = (y + p.h - p.pad % p.h) % p.h;
    let sx = (x + p.w - p.pad % p.w) % p.w;
    out[i] = src[(plane * p.h + sy) * p.w + sx];
  } else {
    let plane = i / (p.h * p.w);
    let y = (i / p.w) % p.h;
    let x = i % p.w;
    var acc = 0.0;
    for (var a = -1; a <= 1; a++) {
      let py = i32(y + p.pad) + a * i32(p.h);
      if (py < 0 || py >= i32(ph)) { continue; }
      for (var b = -1; b <= 1; b++) {
        let px = i32(x + p.pad) + b * i32(p.w);
        if (px < 0 || px >= i32(pw)) { continue; }
        acc += src[(plane * ph + u32(py)) * pw + u32(px)];
      }
    }
    out[i] = acc;
  }
}
