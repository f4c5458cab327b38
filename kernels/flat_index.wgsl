// Flat invocation index for 1-D kernels whose grid is folded into x and y (see grid1d in lib/webgpu/engine.ts).
fn flat_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.x + gid.y * groups.x * 256u;
}
