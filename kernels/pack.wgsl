// Repacks a strided source into the row-major [rows][row_len] layout the packed GEMM reads, zero-padding each row
// from `cols` to `row_len` (a multiple of the GEMM's block). Each index splits in two: for the row index k,
// offset = (k / k_div) * k_hi + (k % k_div) * k_lo, and likewise for the column index j; so one kernel transposes
// matrices and turns NCHW maps into [channel][position] or [position][channel] matrices.
// One invocation writes a run of RUN columns, stepping the split of j instead of dividing per element (integer
// division is slow on CPU adapters).
struct Params {
  rows: u32, cols: u32, row_len: u32,
  k_div: u32, k_hi: u32, k_lo: u32,
  j_div: u32, j_hi: u32, j_lo: u32,
  src_offset: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
//#include flat_index

const RUN: u32 = 32u;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  let runs = (p.row_len + RUN - 1u) / RUN;
  if (i >= p.rows * runs) { return; }
  let k = i / runs;
  let j0 = (i % runs) * RUN;
  let row = p.src_offset + (k / p.k_div) * p.k_hi + (k % p.k_div) * p.k_lo;
  var jq = j0 / p.j_div;
  var jr = j0 % p.j_div;
  let end = min(j0 + RUN, p.row_len);
  for (var j = j0; j < end; j++) {
    var v = 0.0;
    if (j < p.cols) { v = src[row + jq * p.j_hi + jr * p.j_lo]; }
    dst[k * p.row_len + j] = v;
    jr++;
    if (jr == p.j_div) {
      jr = 0u;
      jq++;
    }
  }
}
