/**
 * The PyTorch twin's runs of the long recipe (`deno task twin-long`, results/bench/twin_long.json) as a reference
 * for our converged errors: per rectifier, the twin's test errors over its seeds and whether our mean lies
 * within their range.
 */
import type { Comparison } from "../results/result.ts";

interface TwinRun {
  kind: string;
  seed: number;
  head: string;
  dropout: number;
  converged: boolean;
  testTop1Err: number;
}

/** The twin's runs with the long tier's head and dropout, or none when the twin has not run. */
export async function twinLongRuns(outDir: string, head: string, dropout: number): Promise<TwinRun[]> {
  try {
    const all = JSON.parse(await Deno.readTextFile(`${outDir}/bench/twin_long.json`)).runs as TwinRun[];
    return all.filter((r) => r.head === head && r.dropout === dropout);
  } catch {
    return [];
  }
}

/** One comparison row per rectifier the twin trained: its errors, and our mean against their range. */
export function twinRows(
  runs: TwinRun[],
  ours: { kind: string; label: string; errs: number[] }[],
): Comparison[] {
  const pct = (x: number) => (100 * x).toFixed(2);
  return ours.flatMap(({ kind, label, errs }) => {
    const twin = runs.filter((r) => r.kind === kind).map((r) => r.testTop1Err);
    if (!twin.length) return [];
    const lo = Math.min(...twin);
    const hi = Math.max(...twin);
    const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
    const inside = mean >= lo && mean <= hi;
    return [{
      metric: `${label}: top-1 % (centre, all test), the PyTorch twin of this recipe, ${twin.length} seed${
        twin.length === 1 ? "" : "s"
      }`,
      paper: null,
      ours: twin.map(pct).join(", "),
      source: "results/bench/twin_long.md",
      note: `our mean ${pct(mean)} ${inside ? "within" : "outside"} the twin's range [${pct(lo)}, ${
        pct(hi)
      }]`,
    }];
  });
}
