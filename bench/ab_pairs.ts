/**
 * A/B timing of two settings of the software adapter (a vector width, a Mesa build): alternating fresh processes
 * of `deno task profile --plain` (A B A B ...), so that drifts of a shared host fall on both sides alike; per
 * model the median of the paired ratios of images/s, and whether both sides trained the same numbers.
 */
import { writeFileAtomic, writeJsonAtomic } from "../lib/util/fs.ts";

/** What one `profile --plain` process prints. */
export interface PlainRun {
  adapter: string;
  imagesPerSecond: Record<string, number>;
  /** A hash of each model's parameters after the timed steps. */
  numerics: Record<string, string>;
}

export interface Pair {
  pair: number;
  a: PlainRun;
  b: PlainRun;
}

export interface AbSummary {
  title: string;
  cpu: string;
  labels: { a: string; b: string };
  /** Environment variables set on each side (besides the caller's own). */
  env: { a: Record<string, string>; b: Record<string, string> };
  pairs: Pair[];
  /** Per model, the median of b / a over the pairs. */
  ratios: Record<string, number>;
  /** Per model, whether every run of both sides ended with the same parameters. */
  sameNumerics: Record<string, boolean>;
  date: string;
}

const PROFILE = new URL("./profile.ts", import.meta.url).pathname;

export async function cpuName(): Promise<string> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  return /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "unknown CPU";
}

/** One fresh process timing every default model's step with `env` over the caller's environment. */
export async function plainRun(env: Record<string, string>, unset: string[] = []): Promise<PlainRun> {
  const full = { ...Deno.env.toObject(), ...env };
  for (const name of unset) if (!(name in env)) delete full[name];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", PROFILE, "--plain"],
    env: full,
    clearEnv: true,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`profile --plain failed with ${JSON.stringify(env)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Runs `pairs` alternating pairs; `unset` names variables removed from both sides unless a side sets them (so
 * a variable exported in the caller's shell cannot leak into the baseline).
 */
export async function alternate(
  title: string,
  labels: { a: string; b: string },
  env: { a: Record<string, string>; b: Record<string, string> },
  pairs: number,
  unset: string[] = [],
): Promise<AbSummary> {
  const rows: Pair[] = [];
  for (let i = 0; i < pairs; i++) {
    const a = await plainRun(env.a, unset);
    const b = await plainRun(env.b, unset);
    rows.push({ pair: i + 1, a, b });
    console.log(
      `pair ${i + 1}: ${labels.a} ${JSON.stringify(a.imagesPerSecond)} ${labels.b} ${
        JSON.stringify(b.imagesPerSecond)
      }`,
    );
  }
  const models = Object.keys(rows[0].a.imagesPerSecond);
  const ratios = Object.fromEntries(
    models.map((m) => [m, median(rows.map((r) => r.b.imagesPerSecond[m] / r.a.imagesPerSecond[m]))]),
  );
  const first = rows[0].a.numerics ?? {};
  const sameNumerics = Object.fromEntries(
    models.map((
      m,
    ) => [m, rows.every((r) => r.a.numerics?.[m] === first[m] && r.b.numerics?.[m] === first[m])]),
  );
  return {
    title,
    cpu: await cpuName(),
    labels,
    env,
    pairs: rows,
    ratios,
    sameNumerics,
    date: new Date().toISOString(),
  };
}

/** Writes <out>/<name>.json and .md: the paired table, the numerics line and `verdict`. */
export async function writeAb(outDir: string, name: string, s: AbSummary, how: string, verdict: string) {
  await writeJsonAtomic(`${outDir}/${name}.json`, s);
  const models = Object.keys(s.ratios);
  const { a, b } = s.labels;
  const same = models.filter((m) => s.sameNumerics[m]);
  await writeFileAtomic(
    `${outDir}/${name}.md`,
    [
      `# ${s.title}`,
      "",
      `${how} On ${s.cpu}, ${s.date}: ${s.pairs.length} alternating pairs of fresh processes (${a} first), each ` +
      `timing every default model's training step (batch 64, median of 5). Adapters: "${
        s.pairs[0].a.adapter
      }" ` +
      `and "${s.pairs[0].b.adapter}".`,
      "",
      `| model | median of the paired ratios (${b} / ${a}) | ` +
      s.pairs.map((r) => `pair ${r.pair} images/s (${a} / ${b})`).join(" | ") + " |",
      "| --- | --- | " + s.pairs.map(() => "---").join(" | ") + " |",
      ...models.map((m) =>
        `| ${m} | ${s.ratios[m].toFixed(3)} | ` +
        s.pairs.map((r) => `${r.a.imagesPerSecond[m].toFixed(0)} / ${r.b.imagesPerSecond[m].toFixed(0)}`)
          .join(
            " | ",
          ) +
        " |"
      ),
      "",
      same.length === models.length
        ? `Same numbers: every run of both sides ended each model's steps with bit-identical parameters.`
        : `Different numbers: ${models.filter((m) => !s.sameNumerics[m]).join(", ")} ended with different ` +
          `parameters on the two sides (or between runs), so results from one side do not carry over to the other.`,
      "",
      verdict,
      "",
    ].join("\n"),
  );
}
