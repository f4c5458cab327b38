/**
 * `deno task mesa-ab`: the installed Mesa's lavapipe against another build of it (a Vulkan manifest, e.g. the
 * one scripts/fetch_mesa.sh writes for Debian's bookworm-backports), in alternating fresh processes
 * (bench/ab_pairs.ts), with llvmpipe's default thread count and with one thread (how the long tier's shards run,
 * two at a time). Per model the median of the paired ratios and whether both builds train bit-identical
 * parameters: a build that computes the same numbers can replace the other without retraining anything.
 * Writes results/bench/mesa.json and .md.
 */
import { basename, dirname } from "node:path";
import { type AbSummary, alternate, writeAb } from "./ab_pairs.ts";
import { handleArgs } from "./cli_args.ts";
import { mesaVersion } from "../lib/webgpu/driver.ts";

const args = handleArgs(
  `
Usage: deno task mesa-ab --icd <manifest> [options]

Alternating runs of the default models' training step on the installed Mesa and on the lavapipe named by a
Vulkan manifest (scripts/fetch_mesa.sh prints one for Debian's bookworm-backports), with llvmpipe's default
threads and with LP_NUM_THREADS=1; per model the median ratio of images/s and whether the parameters after
the steps are bit-identical. Writes <out>/mesa.json and .md.

Options:
  --icd <file>       the other build's Vulkan manifest (required)
  --label <text>     its name in the tables (default: the folder holding the manifest)
  --pairs <n>        A/B pairs per thread setting (default 3)
  --out <dir>        where to write (default: results/bench)
  -h, --help         this text
`,
  [],
  ["--icd", "--label", "--pairs", "--out"],
);
const icd = args["--icd"];
if (!icd) {
  console.error("mesa-ab: --icd <manifest> is required (scripts/fetch_mesa.sh prints one); see --help");
  Deno.exit(2);
}
let manifest: { ICD?: { library_path?: string } };
try {
  manifest = JSON.parse(await Deno.readTextFile(icd));
} catch (e) {
  console.error(`mesa-ab: cannot read the Vulkan manifest ${icd}: ${(e as Error).message}`);
  Deno.exit(2);
}
const library = manifest.ICD?.library_path;
if (!library?.startsWith("/")) {
  console.error(`mesa-ab: ${icd} must name its driver by an absolute library_path`);
  Deno.exit(2);
}
const pairs = Number(args["--pairs"] ?? 3);
const outDir = args["--out"] ?? "results/bench";
const installed = `Mesa ${(await mesaVersion()) ?? "installed"}`;
// scripts/fetch_mesa.sh keeps each build in a folder named by its version.
const other = args["--label"] ?? `Mesa ${basename(dirname(icd))}`;
// The other build's own libdrm sits beside its driver.
const otherEnv = { VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: dirname(library) };
const unset = [
  "VK_ICD_FILENAMES",
  "VK_DRIVER_FILES",
  "LD_LIBRARY_PATH",
  "LP_NUM_THREADS",
  "LP_NATIVE_VECTOR_WIDTH",
];
const labels = { a: installed, b: other };
/** Each setting's environment and the file its table goes to. */
const settings: { name: string; file: string; env: Record<string, string> }[] = [
  { name: "default threads", file: "mesa", env: {} },
  { name: "one thread", file: "mesa_one_thread", env: { LP_NUM_THREADS: "1" } },
];
const summaries: AbSummary[] = [];
for (const { name, env } of settings) {
  summaries.push(
    await alternate(
      `lavapipe builds, ${name}: ${installed} against ${other}`,
      labels,
      { a: env, b: { ...env, ...otherEnv } },
      pairs,
      unset,
    ),
  );
}
const lines = settings.map(({ name }, i) => {
  const r = Object.entries(summaries[i].ratios).map(([m, x]) => `${m} ${x.toFixed(2)}`).join(", ");
  return `${name}: ${other} / ${installed} = ${r}`;
});
const faster = (s: AbSummary) => Object.values(s.ratios).every((r) => r >= 1.03);
const same = (s: AbSummary) => Object.values(s.sameNumerics).every((x) => x);
const verdict = summaries.every(same)
  ? summaries.every(faster)
    ? `${other} is at least 3% faster for every model in both settings and computes the same numbers.`
    : `${other} computes the same numbers but is not at least 3% faster for every model in both settings.`
  : `${other} computes different numbers: results trained on one build are not reproduced by the other.`;
for (const [i, { file }] of settings.entries()) {
  await writeAb(outDir, file, summaries[i], "Written by `deno task mesa-ab` (bench/mesa.ts).", verdict);
}
console.log(`${lines.join("\n")}\n${verdict}\nwrote ${outDir}/mesa.md and mesa_one_thread.md`);
