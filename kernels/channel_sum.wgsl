// Reduction of an [n, c, s] tensor over n and s, one workgroup per channel: out[c] = scale * sum f(a, b).
//   mode 0: f = a                   (bias gradients, sums, means, global average pooling)
//   mode 1: f = a * min(b, 0)       (PReLU slope gradient, paper Eq. 2-3: dy * y where y <= 0)
//   mode 2: f = 1 if a is NaN or Inf (finite checks for the training loop)
// Each of the 256 invocations walks the (n, s) pairs t = li, li + 256, ... stepping n and s instead of dividing.
struct Params { n: u32, c: u32, s: u32, mode: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

fn term(i: u32) -> f32 {
  let v = a[i];
  if (p.mode == 1u) { return v * min(b[i], 0.0); }
  if (p.mode == 2u) { return select(0.0, 1.0, (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u); }
  return v;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let ch = wg.x + wg.y * groups.x;
  var acc = 0.0;
  if (ch < p.c) {
    var n = li / p.s;
    var s = li % p.s;
    let dn = 256u / p.s;
    let ds = 256u % p.s;
    while (n < p.n) {
      acc += term((n * p.c + ch) * p.s + s);
      n += dn;
      s += ds;
      if (s >= p.s) {
        s -= p.s;
        n += 1u;
      }
    }
  }
  partial[li] = acc;
  workgroupBarrier();
  for (var width = 128u; width > 0u; width = width / 2u) {
    if (li < width) { partial[li] += partial[li + width]; }
    workgroupBarrier();
  }
  if (li == 0u && ch < p.c) { out[ch] = partial[0] * p.scale; }
}
