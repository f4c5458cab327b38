/**
 * `deno run -A bench/studies/plateau_abc/run.ts [--out DIR] [--rates 0,2]`: the learning rate of models-abc's default tier,
 * chosen by when its nets leave the chance plateau. Each row trains one of models-abc's nets (A-ReLU, A-PReLU,
 * B-PReLU, C-PReLU; seeds 1-3, though the tier trains B and C at seed 1 only) with the tier's recipe (class-
 * balanced batches, the classifier rescaled to logits at std 0.3) at one rate, for the first eighth of its run (53
 * of 422 steps), validated where the tier validates (steps 11, 21, 32 and the tenth, 42, on the same 600 images)
 * and at step 53. A net has left when two validation points in a row are at least 5 points below chance, as the
 * results count it (leftChanceStep). Writes plateau_abc.json and result.md to DIR (default: this folder); --rates
 * picks rates by index. All three rates take about 18 min on 2 cores.
 */
import { leftChanceStep } from "../../../lib/experiments/common.ts";
import { loadTierData } from "../../../lib/experiments/data.ts";
import * as large from "../../../lib/experiments/large_family.ts";
import type { RunContext } from "../../../lib/experiments/registry.ts";
import { Network } from "../../../lib/models/network.ts";
import { Rng } from "../../../lib/rng.ts";
import { totalSteps, train, type TrainConfig } from "../../../lib/train/trainer.ts";
import { WebGpuBackend } from "../../../lib/webgpu/backend.ts";
import { getEngine } from "../../../lib/webgpu/engine.ts";
import { writeFileAtomic, writeJsonAtomic } from "../../../lib/util/fs.ts";
import { environment } from "../../../lib/util/environment.ts";
import { withinTenth } from "../../../lib/results/result.ts";
import { OFF_CHANCE } from "../../../lib/results/stats.ts";

const arg = (name: string) => Deno.args.includes(name) ? Deno.args[Deno.args.indexOf(name) + 1] : undefined;
const outDir = arg("--out") ?? new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const RATES: { name: string; lr: number; warmup?: number }[] = [
  { name: "0.01 (the paper's)", lr: 0.01 },
  { name: "0.02", lr: 0.02 },
  { name: "0.02 after a 20-step linear warm-up", lr: 0.02, warmup: 20 },
];
const picked = arg("--rates")?.split(",").map(Number);
const rates = RATES.filter((_, i) => !picked || picked.includes(i));
const SEEDS = [1, 2, 3];
const NETS = [
  { model: "A", activation: "relu", name: "A-ReLU" },
  { model: "A", activation: "prelu-channel", name: "A-PReLU" },
  { model: "B", activation: "prelu-channel", name: "B-PReLU" },
  { model: "C", activation: "prelu-channel", name: "C-PReLU" },
] as const;

const gpu = new WebGpuBackend(await getEngine());
const ctx = { dataDir: null, data: null, log: console.log } as unknown as RunContext;
const lt = large.LARGE_TIERS.default;
const data = await loadTierData(ctx, lt);
const chance = 1 - 1 / data.train.classes.length;
const env = await environment(gpu);

interface Row {
  net: string;
  rate: string;
  seed: number;
  /** Steps of the tier's whole run, of which the row trains the first eighth. */
  steps: number;
  points: { step: number; err: number }[];
  left: number | null;
  within: boolean;
  /** Left, then back above the line at a later point. */
  swungBack: boolean;
}

const rows: Row[] = [];
for (const rate of rates) {
  for (const net of NETS) {
    for (const seed of SEEDS) {
      const tierConfig = large.largeConfig(lt, data, seed);
      const fullSteps = totalSteps(tierConfig, data.train);
      const eighth = Math.round(fullSteps / 8);
      // Four inner points of an eighth fall where the tier's run validates: round(i * 53 / 5) = 11, 21, 32, 42.
      const config: TrainConfig = {
        ...tierConfig,
        maxSteps: eighth,
        evalPoints: 4,
        earlyEvalPoints: undefined,
        schedule: {
          ...tierConfig.schedule,
          base: rate.lr,
          ...(rate.warmup ? { warmupSteps: rate.warmup } : {}),
        },
      };
      const spec = large.largeSpec(net.model, lt, data, net.activation);
      const r = await train(new Network(spec, gpu, new Rng(seed)), data.train, data.val, config, {
        progress: "none",
        log: () => {},
      });
      const points = r.points.map((p) => ({ step: p.step, err: p.valTop1Err }));
      const left = leftChanceStep(r.points, chance);
      const row: Row = {
        net: net.name,
        rate: rate.name,
        seed,
        steps: fullSteps,
        points,
        left,
        within: left !== null && withinTenth(left / fullSteps, fullSteps),
        swungBack: left !== null && points.some((p) => p.step > left && p.err > chance - OFF_CHANCE),
      };
      rows.push(row);
      console.log(
        `rate ${rate.name}, ${net.name} seed ${seed}: left at step ${left ?? "-"}; errors ${
          points.map((p) => `${p.step}:${(100 * p.err).toFixed(1)}`).join(" ")
        }`,
      );
    }
  }
}

await writeJsonAtomic(`${outDir}/plateau_abc.json`, { environment: env, chance, rows });
const commit = env.git
  ? `${env.git.commit.slice(0, 12)}${env.git.dirty ? " (with uncommitted changes)" : ""}`
  : "?";
const fullSteps = rows[0]?.steps ?? 0;
const lastStep = rows[0]?.points.at(-1)?.step ?? 0;
const line = `${(100 * (chance - OFF_CHANCE)).toFixed(0)}%`;
const md = [
  "# models-abc's learning rate at the default tier (bench/studies/plateau_abc/run.ts)",
  "",
  `Each row trains one of models-abc's nets with the default tier's recipe (${data.train.count} CIFAR-10 images, ` +
  "batch 64, class-balanced batches, He's classifier rescaled so the logits start at std 0.3) at one learning " +
  `rate, for the first ${lastStep} of its ${fullSteps} steps, validating where the tier's run does ` +
  `(${lt.evalLimit} held-out images; the tenth is step ${
    Math.round(fullSteps / 10)
  }). A net has left the chance ` +
  `plateau at the first of two validation points in a row at or below ${line}; "swung back": above ${line} again ` +
  "at a later point. The tier itself trains B and C at seed 1 only.",
  "",
  "| learning rate | nets off within a tenth | latest step left | swung back |",
  "| --- | --- | --- | --- |",
  ...rates.map((rate) => {
    const mine = rows.filter((r) => r.rate === rate.name);
    const late = mine.filter((r) => !r.within).map((r) => `${r.net} seed ${r.seed}`);
    const steps = mine.flatMap((r) => (r.left === null ? [] : [r.left]));
    return `| ${rate.name} | ${mine.length - late.length} of ${mine.length}${
      late.length ? ` (not: ${late.join(", ")})` : ""
    } | ${steps.length ? Math.max(...steps) : "-"} | ${
      mine.filter((r) => r.swungBack).map((r) => `${r.net} seed ${r.seed}`).join(", ") || "none"
    } |`;
  }),
  "",
  "| learning rate | net | seed | left at step | validation error at steps " +
  `${rows[0]?.points.map((p) => p.step).join(", ") ?? ""} (%) |`,
  "| --- | --- | --- | --- | --- |",
  ...rows.map((r) =>
    `| ${r.rate} | ${r.net} | ${r.seed} | ${r.left ?? "not yet"} | ${
      r.points.map((p) => (100 * p.err).toFixed(1)).join(" ")
    } |`
  ),
  "",
  `Environment: ${env.adapter.description}, Mesa ${env.graphics?.mesa ?? "?"}; measured at commit ${commit}.`,
  "",
].join("\n");
await writeFileAtomic(`${outDir}/result.md`, md);
console.log(`wrote ${outDir}/plateau_abc.json and result.md`);
Deno.exit(0);
