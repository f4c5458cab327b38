// Implicit GEMM: C[m, n] = sum over k of A(m, k) B(k, n), where every operand element is read straight from its
// tensor (an NCHW map, a weight array, a matrix in either orientation) at base(lane index) + offset(k), so no
// im2col, col2im or repacking pass runs. Both parts are "index maps" of three levels, the way an NCHW position
// splits into (image, row, column) or a filter tap into (channel, ky, kx):
//   map(i) = s0 + (i / d1) * s1 + ((i % d1) / d2) * s2 + (i % d2) * s3     (d2 divides d1; strides may be negative)
// The lane maps (rows m of A, columns n of B) are evaluated once per invocation; the reduction maps are stepped
// incrementally with k (integer division is slow on CPU adapters). Inputs read with taps must be zero-padded
// already (lib/webgpu/implicit_gemm.ts pads them), so no load needs a bounds check.
// Each invocation owns RA*4 rows x CB*4 columns held in RA*4 x CB vec4 accumulators; lines starting with //@gen
// are expanded for the chosen block by lib/webgpu/gemm_variant.ts.
// The reduction runs over [k_begin, k_end); gid.z selects a slice of it (split-K), slice z writing at
// out_offset + z * split_stride.
// Store modes, for output column n' = n_offset + n (a call may compute a slice of the columns):
// 0 row-major c[m * ldc + n'] (+ bias[n']); 1 NCHW c[((m / S) * channels + n') * S + m % S] (+ bias[n']);
// accumulate = 1 adds to what is there.
struct Map { d1: u32, d2: u32, s0: i32, s1: i32, s2: i32, s3: i32 }
struct Params {
  M: u32, N: u32, k_begin: u32, k_end: u32,
  m_blocks: u32, n_blocks: u32, k_chunk: u32,
  mode: u32, ldc: u32, spatial: u32, has_bias: u32, accumulate: u32,
  out_offset: u32, split_stride: u32, n_offset: u32, channels: u32,
  a_lane_d1: u32, a_lane_d2: u32, a_lane_s0: i32, a_lane_s1: i32, a_lane_s2: i32, a_lane_s3: i32,
  a_red_d1: u32, a_red_d2: u32, a_red_s0: i32, a_red_s1: i32, a_red_s2: i32, a_red_s3: i32,
  b_lane_d1: u32, b_lane_d2: u32, b_lane_s0: i32, b_lane_s1: i32, b_lane_s2: i32, b_lane_s3: i32,
  b_red_d1: u32, b_red_d2: u32, b_red_s0: i32, b_red_s1: i32, b_red_s2: i32, b_red_s3: i32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
// B is a storage buffer, or (the "uniform B" variant, for operands of at most 64 KiB such as most filters) a
// uniform buffer: on CPU adapters a divergent uniform load is a vector gather, much cheaper than a storage load.
//@gen bdecl
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn map_at(m: Map, i: u32) -> i32 {
  let q = i / m.d1;
  let r = i % m.d1;
  return m.s0 + i32(q) * m.s1 + i32(r / m.d2) * m.s2 + i32(r % m.d2) * m.s3;
}

// An incrementally stepped reduction map: the offset and the two counters that decide its jumps.
struct Walk { off: i32, r1: u32, r2: u32 }

fn walk_start(m: Map, k: u32) -> Walk {
  return Walk(map_at(m, k), k % m.d1, (k % m.d1) % m.d2);
}

// Selects rather than branches: on CPU adapters a branch masks every lane.
fn walk_step(m: Map, w: Walk) -> Walk {
  let r2 = w.r2 + 1u;
  let r1 = w.r1 + 1u;
  let wrap2 = r2 == m.d2;
  let wrap1 = r1 == m.d1;
  var off = w.off + m.s3;
  off += select(0, m.s2 - i32(m.d2) * m.s3, wrap2);
  off += select(0, m.s1 - i32(m.d1 / m.d2) * m.s2, wrap1);
  return Walk(off, select(r1, 0u, wrap1), select(r2, 0u, wrap2));
}

fn row_base(m: u32, base: u32) -> u32 {
  if (p.mode == 1u) { return base + (m / p.spatial) * p.channels * p.spatial + m % p.spatial; }
  return base + m * p.ldc;
}

fn col_stride() -> u32 {
  return select(1u, p.spatial, p.mode == 1u);
}

fn store4(m: u32, row: u32, stride: u32, n: u32, v: vec4<f32>) {
  if (m >= p.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    if (n + j >= p.N) { return; }
    var out = v[j];
    let col = p.n_offset + n + j;
    if (p.has_bias == 1u) { out += bias[col]; }
    let at = row + col * stride;
    if (p.accumulate == 1u) { out += c[at]; }
    c[at] = out;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let lane = gid.x + gid.y * groups.x * 64u;
  if (lane >= p.m_blocks * p.n_blocks) { return; }
  let a_lane = Map(p.a_lane_d1, p.a_lane_d2, p.a_lane_s0, p.a_lane_s1, p.a_lane_s2, p.a_lane_s3);
  let a_red = Map(p.a_red_d1, p.a_red_d2, p.a_red_s0, p.a_red_s1, p.a_red_s2, p.a_red_s3);
  let b_lane = Map(p.b_lane_d1, p.b_lane_d2, p.b_lane_s0, p.b_lane_s1, p.b_lane_s2, p.b_lane_s3);
  let b_red = Map(p.b_red_d1, p.b_red_d2, p.b_red_s0, p.b_red_s1, p.b_red_s2, p.b_red_s3);
  let m0 = (lane % p.m_blocks) * (RA * 4u);
  let n0 = (lane / p.m_blocks) * (CB * 4u);
  // Rows and columns past the end read out of range, which WGSL defines; their results are not stored.
  //@gen bases
  let k0 = p.k_begin + gid.z * p.k_chunk;
  let k1 = min(k0 + p.k_chunk, p.k_end);
  var wa = walk_start(a_red, k0);
  var wb = walk_start(b_red, k0);
  //@gen decl
  for (var k = k0; k < k1; k++) {
    //@gen load
    //@gen fma
    wa = walk_step(a_red, wa);
    wb = walk_step(b_red, wb);
  }
  let base = p.out_offset + gid.z * p.split_stride;
  let stride = col_stride();
  //@gen store
}
