// Splits a tensor of `planes` planes of `s` elements into runs of at most RUN elements that never cross a plane:
// invocation t gets run t % runs_per_plane of plane t / runs_per_plane. end = 0 means no work. The vec4 kernels
// count in vec4 units (s / 4 per plane, runs of RUN / 4), so their runs hold the same elements as scalar ones.
const RUN: u32 = 64u;

struct PlaneRun { plane: u32, begin: u32, end: u32 }

fn plane_run_of(t: u32, planes: u32, s: u32, run: u32) -> PlaneRun {
  let per_plane = (s + run - 1u) / run;
  let plane = t / per_plane;
  if (plane >= planes) { return PlaneRun(0u, 0u, 0u); }
  let begin = plane * s + (t % per_plane) * run;
  return PlaneRun(plane, begin, min(begin + run, (plane + 1u) * s));
}

fn plane_run(t: u32, planes: u32, s: u32) -> PlaneRun {
  return plane_run_of(t, planes, s, RUN);
}
