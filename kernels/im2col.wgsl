// im2col for a chunk of images: column k = (ci, ky, kx) and row m = (image, oy, ox) hold
// x[image0 + image, ci, oy*s - pad + ky, ox*s - pad + kx] (0 outside the map).
// k_major = 1: [K][row_len], positions contiguous (the forward GEMM's A). One invocation per (k, image, oy)
//   writes a run of ow positions; invocation (k, images * oh) zero-fills the row's padding.
// k_major = 0: [M][row_len], taps contiguous (the weight-gradient GEMM's B). One invocation per position writes
//   its K taps and the padding.
// Integer division is slow on CPU adapters, so indices are split once per invocation and stepped in the loops.
struct Params {
  cin: u32, h: u32, w: u32, kh: u32, kw: u32, stride: u32, pad: u32, oh: u32, ow: u32,
  images: u32, image0: u32, k_major: u32, row_len: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> col: array<f32>;
//#include flat_index

fn pixel(plane: u32, iy: i32, ix: i32) -> f32 {
  if (iy < 0 || ix < 0 || iy >= i32(p.h) || ix >= i32(p.w)) { return 0.0; }
  return x[plane + u32(iy) * p.w + u32(ix)];
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  let kk = p.kh * p.kw;
  let K = p.cin * kk;
  let rows = p.images * p.oh;
  let M = rows * p.ow;
  if (p.k_major == 1u) {
    if (i >= K * (rows + 1u)) { return; }
    let k = i / (rows + 1u);
    let row = i % (rows + 1u);
    let out = k * p.row_len;
    if (row == rows) {
      for (var m = M; m < p.row_len; m++) { col[out + m] = 0.0; }
      return;
    }
    let ci = k / kk;
    let ky = (k % kk) / p.kw;
    let kx = k % p.kw;
    let n = row / p.oh;
    let oy = row % p.oh;
    let plane = ((p.image0 + n) * p.cin + ci) * p.h * p.w;
    let iy = i32(oy * p.stride + ky) - i32(p.pad);
    var ix = i32(kx) - i32(p.pad);
    let base = out + row * p.ow;
    for (var ox = 0u; ox < p.ow; ox++) {
      col[base + ox] = pixel(plane, iy, ix);
      ix += i32(p.stride);
    }
  } else {
    if (i >= M) { return; }
    let ohw = p.oh * p.ow;
    let n = i / ohw;
    let oy = (i % ohw) / p.ow;
    let ox = i % p.ow;
    let iy0 = i32(oy * p.stride) - i32(p.pad);
    let ix0 = i32(ox * p.stride) - i32(p.pad);
    var at = i * p.row_len;
    for (var ci = 0u; ci < p.cin; ci++) {
      let plane = ((p.image0 + n) * p.cin + ci) * p.h * p.w;
      for (var ky = 0u; ky < p.kh; ky++) {
        for (var kx = 0u; kx < p.kw; kx++) {
          col[at] = pixel(plane, iy0 + i32(ky), ix0 + i32(kx));
          at++;
        }
      }
    }
    for (var k = K; k < p.row_len; k++) { col[i * p.row_len + k] = 0.0; }
  }
}
