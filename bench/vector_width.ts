/**
 * `deno task vector-width`: does llvmpipe's 512-bit vector width (LP_NATIVE_VECTOR_WIDTH=512, on CPUs with
 * AVX-512) speed up our training steps? Alternating runs without and with it (bench/ab_pairs.ts); per model the
 * median of the paired ratios. Writes results/bench/vector_width.json and .md. Set-up keeps llvmpipe's default
 * width; this bench is the measurement behind that choice.
 */
import { alternate, writeAb } from "./ab_pairs.ts";
import { handleArgs } from "./cli_args.ts";

const args = handleArgs(
  `
Usage: deno task vector-width [options]

Alternating runs of the default models' training step with llvmpipe's default vector width and with
LP_NATIVE_VECTOR_WIDTH=512 (CPUs with AVX-512 only); per model the median ratio of images/s. Writes
<out>/vector_width.json and .md.

Options:
  --pairs <n>    A/B pairs (default 4)
  --out <dir>    where to write (default: results/bench)
  -h, --help     this text
`,
  [],
  ["--pairs", "--out"],
);
const pairs = Number(args["--pairs"] ?? 4);
const outDir = args["--out"] ?? "results/bench";
const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
if (!/\bavx512f\b/.test(cpuinfo)) {
  console.log("vector-width: this CPU has no AVX-512; llvmpipe's 512-bit width does not apply here");
  Deno.exit(0);
}
const summary = await alternate(
  "llvmpipe's vector width: default against LP_NATIVE_VECTOR_WIDTH=512",
  { a: "default", b: "512" },
  { a: {}, b: { LP_NATIVE_VECTOR_WIDTH: "512" } },
  pairs,
  ["LP_NATIVE_VECTOR_WIDTH"],
);
const helps = Object.values(summary.ratios).every((r) => r >= 1.03);
await writeAb(
  outDir,
  "vector_width",
  summary,
  "Written by `deno task vector-width` (bench/vector_width.ts).",
  helps
    ? "Every model is at least 3% faster at 512 bits: worth exporting LP_NATIVE_VECTOR_WIDTH=512 on this CPU."
    : "Not every model is at least 3% faster at 512 bits: set-up leaves llvmpipe's default width.",
);
console.log(`ratios (512 / default): ${JSON.stringify(summary.ratios)}; wrote ${outDir}/vector_width.md`);
