// Copies a [rows, cols] block between row-major matrices of different widths: out[r, out_col + c] =
// src[r, src_col + c]. Joins the output slices of an fc layer whose weight is stored in row blocks (a weight
// over the adapter's binding limit), and slices the gradient back apart. One invocation copies one number.
struct Params { rows: u32, cols: u32, src_width: u32, src_col: u32, out_width: u32, out_col: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
//#include flat_index

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i >= p.rows * p.cols) { return; }
  let r = i / p.cols;
  let c = i % p.cols;
  out[r * p.out_width + p.out_col + c] = src[r * p.src_width + p.src_col + c];
}
