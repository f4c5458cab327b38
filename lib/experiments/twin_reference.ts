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
  epochs?: { epoch: number; lr: number }[];
}

/** The epochs after which a run divided its learning rate, in order. */
export function rateDrops(epochs: { epoch: number; lr: number }[]): number[] {
  return epochs.filter((e, k) => k > 0 && e.lr < epochs[k - 1].lr).map((e) => e.epoch - 1);
}

/**
 * The epoch after which a run first divided its learning rate, or null if it never did. The plateau rule fires
 * on validation noise, and a net dropped early ends at a higher error: the first place two engines' runs of one
 * recipe part ways.
 */
export function firstRateDrop(epochs: { epoch: number; lr: number }[]): number | null {
  return rateDrops(epochs)[0] ?? null;
}

const span = (xs: (number | null)[]) => {
  const known = xs.filter((x): x is number => x !== null);
  if (!known.length) return "never";
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return lo === hi ? `${lo}` : `${lo}-${hi}`;
};

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
  ours: { kind: string; label: string; errs: number[]; firstDrops?: (number | null)[] }[],
): Comparison[] {
  const pct = (x: number) => (100 * x).toFixed(2);
  return ours.flatMap(({ kind, label, errs, firstDrops }) => {
    const twinRuns = runs.filter((r) => r.kind === kind);
    const twin = twinRuns.map((r) => r.testTop1Err);
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
      note:
        `our mean ${pct(mean)} ${inside ? "within" : "outside"} the twin's range [${pct(lo)}, ${pct(hi)}]` +
        (firstDrops
          ? `; first rate drop after epoch ${span(firstDrops)} (ours), ${
            span(twinRuns.map((r) => r.epochs ? firstRateDrop(r.epochs) : null))
          } (the twin's)`
          : ""),
    }];
  });
}
