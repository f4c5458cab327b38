/**
 * Study: training throughput of one llvmpipe process with its default threads against one and two processes of
 * one thread each (LP_NUM_THREADS=1), on the long tier's 14-layer ReLU net (batch 128). Prints images/s of 60
 * SGD steps after 3 warm-up steps. Run it alone, then with LP_NUM_THREADS=1, then two of those at once:
 *
 *   deno run -A bench/studies/threads/run.ts [steps]
 */
import { loadTierData } from "../../../lib/experiments/data.ts";
import * as small from "../../../lib/experiments/small_family.ts";
import { gpuBackend } from "../../../lib/experiments/model_store.ts";
import { Network } from "../../../lib/models/network.ts";
import { Rng } from "../../../lib/rng.ts";
import { train } from "../../../lib/train/trainer.ts";
import type { RunContext } from "../../../lib/experiments/registry.ts";

if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
  console.log("Usage: deno run -A bench/studies/threads/run.ts [steps]   (see this file's header)");
  Deno.exit(0);
}
const steps = Number(Deno.args[0] ?? 60);
const ctx = {
  tier: "long",
  dataDir: null,
  dataset: null,
  log: () => {},
  overrides: {},
} as unknown as RunContext;
const tier = small.smallTier(ctx, "small-model");
const data = await loadTierData(ctx, tier);
const spec = small.smallSpec(tier, data, "relu", { kind: "he-forward" });
const config = {
  ...small.smallConfig(tier, data, 1),
  evalPoints: 0,
  evalLimit: 1,
  epochEvalLimit: 1,
  converge: undefined,
};
const net = new Network(spec, await gpuBackend(), new Rng(1));
const quiet = { progress: "none" as const, log: () => {} };
await train(net, data.train, data.val, { ...config, maxSteps: 3 }, quiet);
const t = performance.now();
await train(net, data.train, data.val, { ...config, maxSteps: steps }, quiet);
const s = (performance.now() - t) / 1000;
console.log(
  `threads=${Deno.env.get("LP_NUM_THREADS") ?? "default"} ${steps} steps ${s.toFixed(1)} s ${
    (steps * 128 / s).toFixed(0)
  } img/s`,
);
Deno.exit(0);
