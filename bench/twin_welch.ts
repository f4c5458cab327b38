/**
 * `deno run -A bench/twin_welch.ts [--out DIR]`: the recipe twin's curves (DIR/twin.json, default results/bench)
 * read with a significance test beside the twin's own rule. At each point, Welch's 95% interval of our mean
 * test error minus PyTorch's (seeds are independent runs: each engine has its own data order). Twelve points at
 * 95% each would show about 0.6 intervals excluding zero between two identical engines. Writes twin_welch.md;
 * bench/twin.ts writes it too after a full run.
 */
import { meanStd, welchDifference } from "../lib/results/stats.ts";
import { writeFileAtomic } from "../lib/util/fs.ts";

export interface TwinCurve {
  engine: "ours" | "pytorch";
  kind: string;
  seed: number;
  points: { epoch: number; err: number }[];
}

/** The markdown of the Welch reading of the recipe twin's curves over `seeds`. */
export function welchMarkdown(curves: TwinCurve[], seeds: number[], source: string): string {
  const kinds = [...new Set(curves.map((c) => c.kind))];
  const pct = (x: number) => (100 * x).toFixed(2);
  let excluding = 0;
  let points = 0;
  const rows = kinds.flatMap((kind) => {
    const of = (engine: string) =>
      curves.filter((c) => c.engine === engine && c.kind === kind && seeds.includes(c.seed));
    const ours = of("ours");
    const torch = of("pytorch");
    if (ours.length < 2 || torch.length < 2) return [];
    return ours[0].points.map((p, i) => {
      const a = ours.map((c) => c.points[i].err);
      const b = torch.map((c) => c.points[i].err);
      const w = welchDifference(a, b);
      const differs = w.lo > 0 || w.hi < 0;
      points++;
      if (differs) excluding++;
      return `| ${kind} | ${p.epoch.toFixed(3)} | ${pct(meanStd(a).mean)} | ${pct(meanStd(b).mean)} | ${
        pct(w.mean)
      } [${pct(w.lo)}, ${pct(w.hi)}] | ${w.df} | ${differs ? "**yes**" : "no"} |`;
    });
  });
  return [
    "# Recipe twin read with Welch's test (bench/twin_welch.ts)",
    "",
    `From ${source}: test top-1 error of our engine and PyTorch's, ${seeds.length} seeds a side (seeds ${
      seeds.join(", ")
    }), each engine with its own data order. The interval is Welch's 95% interval of our mean minus PyTorch's, in ` +
    "points; a difference is significant when it excludes zero. With this many points at 95% each, about " +
    `${(0.05 * points).toFixed(1)} would exclude zero between two identical engines.`,
    "",
    "| rectifier | epoch | ours % | PyTorch % | ours - PyTorch [95% interval] | df | significant |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `${excluding} of ${points} points differ significantly.`,
    "",
  ].join("\n");
}

if (import.meta.main) {
  const { handleArgs } = await import("./cli_args.ts");
  const args = handleArgs(
    `
Usage: deno run -A bench/twin_welch.ts [--out DIR]

The recipe twin's curves (DIR/twin.json, from deno task twin) read with Welch's test: at each point the 95%
interval of our mean test error minus PyTorch's. Writes DIR/twin_welch.md (default DIR: results/bench).
`,
    [],
    ["--out"],
  );
  const outDir = args["--out"] ?? "results/bench";
  const twin = JSON.parse(await Deno.readTextFile(`${outDir}/twin.json`));
  const curves = (twin.curves as TwinCurve[]).filter((c) => c.seed !== 11);
  const seeds = [...new Set(curves.map((c) => c.seed))].sort((a, b) => a - b);
  const commit = twin.environment?.git?.commit?.slice(0, 12) ?? "unknown";
  await writeFileAtomic(
    `${outDir}/twin_welch.md`,
    welchMarkdown(curves, seeds, `twin.json (commit ${commit}, ${twin.environment?.date ?? "undated"})`),
  );
  console.log(`wrote ${outDir}/twin_welch.md`);
}
