/**
 * Study: do the paper tier's first SGD steps make the loss fall? The paper's 14-layer model at 224 px (its fc
 * stds, dropout 0.5, learning rate 0.01, momentum 0.9) on an ImageNet-style folder, each rectifier named, for
 * --steps steps at --batch, with the running mean loss read after every step; prints per-step losses and the
 * means of consecutive windows, and writes them as JSON. --balanced draws class-balanced batches.
 *
 *   deno run -A bench/studies/paper_first_steps/run.ts --data <folder> [--steps 60] [--batch 32]
 *     [--micro-batch 8] [--rectifiers relu,prelu-channel] [--balanced] [--out <file.json>]
 */
import { parseArgs } from "node:util";
import * as common from "../../../lib/experiments/common.ts";
import * as small from "../../../lib/experiments/small_family.ts";
import type { RunContext } from "../../../lib/experiments/registry.ts";
import type { ActivationKind } from "../../../lib/nn.ts";
import { Network } from "../../../lib/models/network.ts";
import { Rng } from "../../../lib/rng.ts";
import { train } from "../../../lib/train/trainer.ts";
import { writeJsonAtomic } from "../../../lib/util/fs.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string" },
    steps: { type: "string", default: "60" },
    batch: { type: "string", default: "32" },
    "micro-batch": { type: "string", default: "8" },
    rectifiers: { type: "string", default: "relu,prelu-channel" },
    balanced: { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    out: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (opts.help || !opts.data) {
  console.log(Deno.readTextFileSync(new URL(import.meta.url)).split("*/")[0].replace(/^\/\*\*|^ \* ?/gm, ""));
  Deno.exit(opts.help ? 0 : 2);
}
const steps = Number(opts.steps);
const batch = Number(opts.batch);
const ctx = {
  tier: "paper",
  seeds: null,
  dataset: opts.data,
  dataDir: null,
  outDir: "/tmp",
  resume: false,
  retrain: true,
  onCorrupt: "stop",
  progress: "none",
  stopSignal: { requested: false },
  overrides: {},
  download: false,
  log: console.log,
} as RunContext;
const tier = { ...small.smallTier(ctx, "small-model"), batch, balancedBatches: opts.balanced };
const data = await common.loadTierData(ctx, tier);
const runs: Record<string, number[]> = {};
for (const kind of opts.rectifiers!.split(",") as ActivationKind[]) {
  const spec = small.smallSpec(tier, data, kind, { kind: "he-forward" });
  const config = {
    ...small.smallConfig(tier, data, Number(opts.seed)),
    maxSteps: steps,
    readEvery: 1,
    evalPoints: 0,
    evalLimit: 16,
    epochEvalLimit: 16,
  };
  const net = new Network(spec, await common.gpuBackend(), new Rng(config.seed));
  // The trainer reports the running mean loss after each step (readEvery 1): per-step losses follow from it.
  const means: number[] = [];
  const started = performance.now();
  await train(net, data.train, data.val, config, {
    progress: "none",
    log: () => {},
    microBatch: Number(opts["micro-batch"]),
    onStep: (s) => (means[s.step - 1] = s.loss),
  });
  const losses = means.map((m, i) => (i === 0 ? m : (i + 1) * m - i * means[i - 1]));
  runs[kind] = losses;
  const window = 10;
  const windows = Array.from({ length: Math.ceil(losses.length / window) }, (_, w) => {
    const xs = losses.slice(w * window, (w + 1) * window);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  });
  console.log(
    `${kind}: ${((performance.now() - started) / 1000).toFixed(0)} s; per-step loss ${
      losses.map((l) => l.toFixed(2)).join(" ")
    }\n  means of ${window}-step windows: ${windows.map((l) => l.toFixed(3)).join(", ")}`,
  );
  net.dispose();
}
if (opts.out) {
  await writeJsonAtomic(opts.out, {
    data: opts.data,
    steps,
    batch,
    microBatch: Number(opts["micro-batch"]),
    balanced: opts.balanced,
    seed: Number(opts.seed),
    losses: runs,
  });
}
Deno.exit(0);
