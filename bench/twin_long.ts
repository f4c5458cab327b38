/**
 * `deno task twin-long`: the long tier's recipe (lib/experiments/small_family.ts, tier long) trained by the PyTorch
 * twin, to choose its epoch cap, head and dropout before our engine spends hours on it, and to give a seed spread
 * that our converged errors are read against. Prints one line per epoch; writes results/bench/twin_long.json and
 * twin_long.md (runs already there are kept, so the tool runs in pieces).
 */
import { loadDataset } from "../lib/experiments/common.ts";
import { PIXEL_SCALE, SMALL_TIERS, smallConfig, smallSpec } from "../lib/experiments/small_family.ts";
import type { RunContext } from "../lib/experiments/registry.ts";
import type { ActivationKind } from "../lib/nn.ts";
import { convergeText } from "../lib/train/schedule.ts";
import { writeFileAtomic, writeJsonAtomic } from "../lib/util/fs.ts";
import { handleArgs } from "./cli_args.ts";
import { findTorchPython } from "./torch_python.ts";
import { recipeFile, trainIndicesOf } from "./twin_files.ts";
import { shardDir, type ShardRecord } from "../lib/experiments/shards.ts";
import { resultDir } from "../lib/results/result.ts";
import { rateDrops } from "../lib/experiments/twin_reference.ts";
import { readTorchCheck, type TorchCheckRow } from "../lib/experiments/publish.ts";

const args = handleArgs(
  `
Usage: deno task twin-long [options]

The long tier's recipe trained by PyTorch (python3-torch, CPU): epochs until converged, training and validation
error per epoch, test error at the end. Appends to results/bench/twin_long.json and rewrites twin_long.md.

Options:
  --evaluate         instead: PyTorch's test errors of every published long-tier shard's weights, against ours
                     (writes results/<experiment>/long/torch_check.json; a net already evaluated on the
                     same weights keeps its row)
  --kinds <list>     rectifiers, comma-separated (default: relu,prelu-channel)
  --seeds <list>     seeds, comma-separated (default: 1,2)
  --head <he|he-zero|paper>  the fc head's init (default: the tier's)
  --dropout <rate>   dropout on the hidden fc layers (default: the tier's)
  --epochs <n>       the most epochs (default: the tier's)
  --threads <n>      PyTorch's threads (default: one per CPU); 1 runs it as a lane beside other work
  --out <dir>        where to write (default: results/bench)
  -h, --help         this text
`,
  ["--evaluate"],
  ["--kinds", "--seeds", "--head", "--dropout", "--epochs", "--threads", "--out"],
);
const python = await findTorchPython();
if (!python) {
  console.log("twin-long skipped: no python3 here imports torch (Debian: apt-get install python3-torch)");
  Deno.exit(0);
}
const base = SMALL_TIERS.long;
const tier = {
  ...base,
  epochs: Number(args["--epochs"] ?? base.epochs),
  scaling: {
    ...base.scaling,
    ...(args["--head"] ? { head: args["--head"] as "he" } : {}),
    ...(args["--dropout"] ? { dropout: Number(args["--dropout"]) } : {}),
  },
};
const kinds = (args["--kinds"] ?? "relu,prelu-channel").split(",") as ActivationKind[];
const seeds = (args["--seeds"] ?? "1,2").split(",").map(Number);
const outDir = args["--out"] ?? "results/bench";
const threads = args["--threads"] ? Number(args["--threads"]) : null;
if (threads !== null && !(Number.isInteger(threads) && threads > 0)) {
  throw new Error(`--threads ${args["--threads"]}: give a whole number of threads, 1 or more`);
}
const ctx = { dataDir: null, log: console.log } as unknown as RunContext;
const data = await loadDataset(ctx, "cifar10", tier, PIXEL_SCALE);
const trainIndices = trainIndicesOf(tier.valPerClass);
const here = new URL(".", import.meta.url).pathname;
if (Deno.args.includes("--evaluate")) {
  await evaluatePublished();
  Deno.exit(0);
}
const jsonPath = `${outDir}/twin_long.json`;
/** One epoch of torch_twin.py's long mode; slopeDrift (mean |a - 0.25|) only for nets with learned slopes. */
interface EpochLine {
  epoch: number;
  lr: number;
  trainTop1Err: number;
  valTop1Err: number;
  slopeDrift?: number;
}
interface Run {
  kind: string;
  seed: number;
  head: string;
  dropout: number;
  epochs: EpochLine[];
  converged: boolean;
  testTop1Err: number;
  testTop5Err: number;
  seconds: number;
  version: string;
}
let runs: Run[] = [];
try {
  runs = JSON.parse(await Deno.readTextFile(jsonPath)).runs;
} catch { /* a first run */ }

for (const kind of kinds) {
  for (const seed of seeds) {
    const config = smallConfig(tier, data, seed);
    const spec = smallSpec(tier, data, kind, { kind: "he-forward" });
    const file = await recipeFile(data, trainIndices, spec, config, {
      epochs: tier.epochs,
      schedule: config.schedule,
      converge: config.converge,
    });
    const child = new Deno.Command(python, {
      args: [`${here}torch_twin.py`, "long", file],
      env: threads ? { RECTIFIERS_TORCH_THREADS: String(threads) } : {},
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    let last = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      for (const line of chunk.split("\n").filter(Boolean)) {
        last = line;
        const e = JSON.parse(line);
        if (e.epoch) {
          console.log(
            `${kind} seed ${seed} epoch ${e.epoch}: lr ${e.lr.toExponential(0)} train ${
              (100 * e.trainTop1Err).toFixed(2)
            }% val ${(100 * e.valTop1Err).toFixed(2)}% (${Math.round(e.seconds)} s)`,
          );
        }
      }
    }
    if (!(await child.status).success) throw new Error(`torch_twin.py long failed for ${kind} seed ${seed}`);
    const r = JSON.parse(last);
    runs = runs.filter((x) =>
      !(x.kind === kind && x.seed === seed && x.head === tier.scaling.head &&
        x.dropout === tier.scaling.dropout)
    );
    runs.push({ kind, seed, head: tier.scaling.head, dropout: tier.scaling.dropout, ...r });
    await writeJsonAtomic(jsonPath, { rule: convergeText(config.schedule, config.converge!), runs });
    await writeFileAtomic(
      `${outDir}/twin_long.md`,
      markdown(runs, convergeText(config.schedule, config.converge!)),
    );
    console.log(
      `${kind} seed ${seed}: test top-1 ${(100 * r.testTop1Err).toFixed(2)}% after ${r.epochs.length} epochs`,
    );
  }
}

/** The slopes' drift at the first rate drop and at the end, or a dash for nets without learned slopes. */
function drift(r: Run, drops: number[]): string {
  const at = (e: EpochLine | undefined) => e?.slopeDrift?.toFixed(3);
  const end = at(r.epochs.at(-1));
  if (end === undefined) return "—";
  const first = drops.length ? at(r.epochs.find((e) => e.epoch === drops[0])) : undefined;
  return first === undefined ? end : `${first} → ${end}`;
}

function markdown(all: Run[], rule: string): string {
  const pct = (x: number) => (100 * x).toFixed(2);
  return [
    "# The long tier's recipe in PyTorch",
    "",
    `Written by \`deno task twin-long\` (bench/twin_long.ts): the long tier's 14-layer nets (widths 16/32/64, fc ` +
    `${base.scaling.fcUnits}) on CIFAR-10's ${data.train.count} training images at batch ${base.batch}, learning ` +
    `rate ${base.lr ?? 0.01} divided by 10 at validation plateaus; ${rule}. PyTorch ${
      all[0]?.version ?? "?"
    }, CPU.`,
    "",
    "The slopes' drift is the mean |a - 0.25| over every learned coefficient, at the first rate drop and at the end:",
    "equal figures mean the slopes had stopped moving once the rate fell.",
    "",
    "| rectifier | head | dropout | seed | epochs | converged | rate drops after epoch | train err % | val err % | test top-1 % | test top-5 % | slopes' drift | minutes |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...all.map((r) => {
      const drops = rateDrops(r.epochs);
      const last = r.epochs.at(-1)!;
      return `| ${r.kind} | ${r.head} | ${r.dropout} | ${r.seed} | ${r.epochs.length} | ${
        r.converged ? "yes" : "no"
      } | ${drops.join(", ") || "none"} | ${pct(last.trainTop1Err)} | ${pct(last.valTop1Err)} | ${
        pct(r.testTop1Err)
      } | ${pct(r.testTop5Err)} | ${drift(r, drops)} | ${(r.seconds / 60).toFixed(0)} |`;
    }),
    "",
  ].join("\n");
}

/**
 * Our published weights in PyTorch's model: its centre-crop test error of every shard beside ours. They agree to
 * within a few images when our forward pass is right (float32 sums in another order flip near-ties only).
 */
async function evaluatePublished(): Promise<void> {
  for (const exp of ["small-model", "init-depth"]) {
    const dir = shardDir("results", exp, "long");
    let names: string[];
    try {
      names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json")).sort();
    } catch {
      continue;
    }
    const checkPath = `${resultDir("results", exp, "long")}/torch_check.json`;
    const before = await readTorchCheck(checkPath);
    const rows: TorchCheckRow[] = [];
    for (const name of names) {
      const record = JSON.parse(await Deno.readTextFile(`${dir}/${name}`)) as ShardRecord<
        { centre: { top1Err: number; count: number }; ten?: { top1Err: number; count: number } }
      >;
      if (!record.weights) continue;
      // The 10-view protocol is checked too where we measured it on the whole test set.
      const ten = record.measurements.ten?.count === data.test.count ? record.measurements.ten : null;
      // A row made from these very weights stands: only new or retrained nets are evaluated again.
      const kept = before.get(record.name);
      if (kept?.weights === record.weights.sha256 && (ten === null || kept.tenTorch !== undefined)) {
        rows.push(kept);
        continue;
      }
      const file = await recipeFile(data, trainIndices, record.model.spec, record.model.config, {
        weights: `${dir}/${record.weights.file}`,
        tenView: ten !== null,
      });
      const out = await new Deno.Command(python!, {
        args: [`${here}torch_twin.py`, "evaluate", file],
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(`torch_twin.py evaluate: ${new TextDecoder().decode(out.stderr)}`);
      const t = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
      const ours = record.measurements.centre.top1Err;
      rows.push({
        shard: record.name,
        weights: record.weights.sha256,
        ours,
        torch: t.testTop1Err,
        ...(ten ? { tenOurs: ten.top1Err, tenTorch: t.tenTop1Err } : {}),
        images: t.count,
        torchVersion: t.version,
      });
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      console.log(
        `${record.name}: centre ours ${pct(ours)}, PyTorch ${pct(t.testTop1Err)}` +
          (ten ? `; 10-view ours ${pct(ten.top1Err)}, PyTorch ${pct(t.tenTop1Err)}` : ""),
      );
    }
    const kept = rows.filter((r) => before.get(r.shard) === r).length;
    if (kept) console.log(`${exp}: ${kept} net(s) evaluated earlier on the same weights, kept`);
    if (rows.length) {
      await writeJsonAtomic(checkPath, {
        what:
          "top-1 test error of each published net, centre crop (ours, torch) and, where measured, 10 views " +
          "(tenOurs, tenTorch): ours, and PyTorch's with our weights loaded",
        tolerance: 0.001,
        rows,
      });
    }
  }
}
