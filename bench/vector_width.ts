/**
 * `deno task vector-width`: does llvmpipe's 512-bit vector width (LP_NATIVE_VECTOR_WIDTH=512, on CPUs with
 * AVX-512) speed up our training steps? Alternating runs of `deno task profile --plain` without and with it
 * (A B A B ...), each a fresh process; per model the median of the paired ratios. Writes
 * results/bench/vector_width.json and .md. Set-up reads the verdict from the JSON (scripts/setup.sh).
 */
import { writeFileAtomic, writeJsonAtomic } from "../lib/util/fs.ts";
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
const cpu = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "unknown CPU";
const profile = new URL("./profile.ts", import.meta.url).pathname;

async function run(wide: boolean): Promise<{ adapter: string; imagesPerSecond: Record<string, number> }> {
  const env = { ...Deno.env.toObject() };
  if (wide) env.LP_NATIVE_VECTOR_WIDTH = "512";
  else delete env.LP_NATIVE_VECTOR_WIDTH;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", profile, "--plain"],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("profile --plain failed");
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

const rows: { pair: number; narrow: Record<string, number>; wide: Record<string, number> }[] = [];
let adapters = { narrow: "", wide: "" };
for (let i = 0; i < pairs; i++) {
  const a = await run(false);
  const b = await run(true);
  adapters = { narrow: a.adapter, wide: b.adapter };
  rows.push({ pair: i + 1, narrow: a.imagesPerSecond, wide: b.imagesPerSecond });
  console.log(`pair ${i + 1}: ${JSON.stringify(rows.at(-1))}`);
}
const models = Object.keys(rows[0].narrow);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ratios = Object.fromEntries(models.map((m) => [m, median(rows.map((r) => r.wide[m] / r.narrow[m]))]));
const helps = models.every((m) => ratios[m] >= 1.03);
const summary = { cpu, adapters, pairs, ratios, helps, rows, date: new Date().toISOString() };
await writeJsonAtomic(`${outDir}/vector_width.json`, summary);
await writeFileAtomic(
  `${outDir}/vector_width.md`,
  [
    "# llvmpipe's vector width: default against LP_NATIVE_VECTOR_WIDTH=512",
    "",
    `Written by \`deno task vector-width\` (bench/vector_width.ts) on ${cpu}, ${summary.date}: ${pairs} ` +
    `alternating pairs of fresh processes (default width first), each timing every default model's training ` +
    `step (batch 64, median of 5). Adapters: "${adapters.narrow}" and "${adapters.wide}".`,
    "",
    "| model | median of the paired ratios (512 bits / default) | " +
    rows.map((r) => `pair ${r.pair} images/s (default / 512)`).join(" | ") + " |",
    "| --- | --- | " + rows.map(() => "---").join(" | ") + " |",
    ...models.map((m) =>
      `| ${m} | ${ratios[m].toFixed(3)} | ` +
      rows.map((r) => `${r.narrow[m].toFixed(0)} / ${r.wide[m].toFixed(0)}`).join(" | ") + " |"
    ),
    "",
    helps
      ? "Every model is at least 3% faster at 512 bits: set-up exports LP_NATIVE_VECTOR_WIDTH=512 on CPUs with AVX-512."
      : "Not every model is at least 3% faster at 512 bits: set-up leaves llvmpipe's default width.",
    "",
  ].join("\n"),
);
console.log(`ratios (512 / default): ${JSON.stringify(ratios)}; wrote ${outDir}/vector_width.md`);
