// Tiled GEMM core: C[m, n] = sum_k A[m, k] * B[k, n] over a TILE_M x TILE_N output tile per workgroup, each of
// the 16x16 invocations accumulating a 4x4 register block; K is walked in slices of TILE_K staged in workgroup
// memory. The including kernel declares `p: Params` with fields M, N, K and the functions
//   load_a(m, k) -> f32, load_b(k, n) -> f32 (called only in range) and store_c(m, n, value).
// Grid: x = ceil(N / TILE_N), y = ceil(M / TILE_M).
const TILE_M: u32 = 64u;
const TILE_N: u32 = 64u;
const TILE_K: u32 = 16u;
const THREADS: u32 = 256u;

var<workgroup> tile_a: array<f32, 1024>; // [TILE_K][TILE_M]
var<workgroup> tile_b: array<f32, 1024>; // [TILE_K][TILE_N]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let m0 = wg.y * TILE_M;
  let n0 = wg.x * TILE_N;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
    for (var r = 0u; r < 4u; r++) {
      let e = li + r * THREADS;
      let ka = e / TILE_M;
      let ma = e % TILE_M;
      var va = 0.0;
      if (m0 + ma < p.M && k0 + ka < p.K) { va = load_a(m0 + ma, k0 + ka); }
      tile_a[e] = va;
      let kb = e / TILE_N;
      let nb = e % TILE_N;
      var vb = 0.0;
      if (n0 + nb < p.N && k0 + kb < p.K) { vb = load_b(k0 + kb, n0 + nb); }
      tile_b[e] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let ao = kk * TILE_M + lid.y * 4u;
      let bo = kk * TILE_N + lid.x * 4u;
      let a = vec4<f32>(tile_a[ao], tile_a[ao + 1u], tile_a[ao + 2u], tile_a[ao + 3u]);
      let b = vec4<f32>(tile_b[bo], tile_b[bo + 1u], tile_b[bo + 2u], tile_b[bo + 3u]);
      for (var i = 0u; i < 4u; i++) {
        acc[i * 4u] += a[i] * b.x;
        acc[i * 4u + 1u] += a[i] * b.y;
        acc[i * 4u + 2u] += a[i] * b.z;
        acc[i * 4u + 3u] += a[i] * b.w;
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y * 4u + i;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + lid.x * 4u + j;
      if (n < p.N) { store_c(m, n, acc[i * 4u + j]); }
    }
  }
}
