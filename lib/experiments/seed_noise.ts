/**
 * Seed noise lent across experiments: an experiment that trains its nets at one seed each reads the seed-to-seed
 * spread that a sibling experiment measured at the same tier on nets of the same family (init-depth's 14- and
 * 30-layer nets borrow small-model's, whose 14-layer nets train at several seeds).
 */
import { pooledSeedNoise, type SeedNoise } from "../results/claims.ts";
import { parseResult, resultDir } from "../results/result.ts";

/**
 * The pooled within-variant spread of `final[key]` over the runs of `experiment`'s result in `outDir` at `tier`,
 * runs grouped by their label less its "-seed<n>" suffix; null when that result is missing or has no variant at
 * two seeds or more (the claim then says it is not testable, and why).
 */
export async function siblingSeedNoise(
  outDir: string,
  experiment: string,
  tier: string,
  key: string,
): Promise<SeedNoise | null> {
  const path = `${resultDir(outDir, experiment, tier)}/result.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  const r = parseResult(text, path);
  const groups = new Map<string, number[]>();
  for (const run of r.runs) {
    const v = run.final[key];
    if (!Number.isFinite(v)) continue;
    const variant = run.label.replace(/-seed\d+$/, "");
    groups.set(variant, [...(groups.get(variant) ?? []), v]);
  }
  return pooledSeedNoise(
    [...groups.values()],
    `${experiment}'s ${[...groups.keys()].join(", ")} nets at tier ${tier} (${key})`,
  );
}
