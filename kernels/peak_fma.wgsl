// The adapter's multiply-add ceiling for the benchmark: each invocation runs `iterations` rounds of 32
// independent multiply-adds held in registers (8 vec4 chains, no memory traffic) and writes one value so the
// work cannot be optimized away. FLOPs = 2 * 32 * iterations * invocations.
struct Params { iterations: u32, invocations: u32, seed: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = vec4<f32>(0.9999, 0.9998, 0.9997, 0.9996);
  let c = vec4<f32>(p.seed);
  var a0 = vec4<f32>(f32(gid.x) * 1e-6);
  var a1 = a0 + 0.1;
  var a2 = a0 + 0.2;
  var a3 = a0 + 0.3;
  var a4 = a0 + 0.4;
  var a5 = a0 + 0.5;
  var a6 = a0 + 0.6;
  var a7 = a0 + 0.7;
  for (var i = 0u; i < p.iterations; i++) {
    a0 = fma(a0, b, c);
    a1 = fma(a1, b, c);
    a2 = fma(a2, b, c);
    a3 = fma(a3, b, c);
    a4 = fma(a4, b, c);
    a5 = fma(a5, b, c);
    a6 = fma(a6, b, c);
    a7 = fma(a7, b, c);
  }
  if (gid.x < p.invocations) {
    let s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    out[gid.x] = s.x + s.y + s.z + s.w;
  }
}
