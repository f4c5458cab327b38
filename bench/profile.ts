/**
 * `deno task profile`: where one training step of each default model spends its time. For each model: the plain
 * step (median of several, nothing attached), then steps with the engine's profiler attached
 * (lib/webgpu/profiler.ts): every dispatch timed on the device by timestamp queries in a pass of its own, and the
 * host's time recording it, summed by the backend op that issued it (conv forward, backward-data,
 * backward-filter, fc, rectifiers, pooling, SPP, loss, SGD, sums, copies); plus submits, readback waits and the
 * JavaScript outside the engine (autograd, tensors). Writes results/bench/profile.json and profile.md.
 */
import { WebGpuBackend } from "../lib/webgpu/backend.ts";
import { getEngine } from "../lib/webgpu/engine.ts";
import type { ProfileRow } from "../lib/webgpu/profiler.ts";
import { countMacs, describe, Network } from "../lib/models/network.ts";
import * as ops from "../lib/ops.ts";
import { Sgd } from "../lib/optim.ts";
import { Rng } from "../lib/rng.ts";
import { Tensor, tidy } from "../lib/tensor.ts";
import { writeFileAtomic, writeJsonAtomic } from "../lib/util/fs.ts";
import { parameterHash } from "../lib/experiments/shards.ts";
import { environment } from "../lib/util/environment.ts";
import { handleArgs } from "./cli_args.ts";
import { STEP_BATCH, stepSpecs } from "./step_models.ts";

const args = handleArgs(
  `
Usage: deno task profile [options]

Where one training step of each default-tier model spends its time: device time per kernel kind (timestamp
queries), the host's recording time, submits, readback waits and the JavaScript outside the engine. Writes
<out>/profile.json and profile.md.

Options:
  --quick        the 14-layer model only, fewer steps
  --plain        only the plain step of each model: prints one JSON line of images/s and a hash of each
                 model's parameters after its steps (equal hashes: two drivers compute the same numbers)
  --out <dir>    where to write (default: results/bench)
  -h, --help     this text
`,
  ["--quick", "--plain"],
  ["--out"],
);
const quick = Deno.args.includes("--quick");
const plainOnly = Deno.args.includes("--plain");
const outDir = args["--out"] ?? "results/bench";
const engine = await getEngine();
const gpu = new WebGpuBackend(engine);

/** Backend ops by the kind of work the profile reports them under. */
const KINDS: Record<string, string> = {
  conv2d: "conv forward",
  conv2dGradInput: "conv backward-data",
  conv2dGradWeight: "conv backward-filter",
  matmul: "fc (matmul, all three products)",
  channelSum: "bias and slope sums",
  activation: "rectifier forward",
  activationGradInput: "rectifier backward",
  preluGrad: "rectifier backward",
  maxPool: "max pooling",
  maxPoolGrad: "max pooling",
  spp: "SPP",
  sppGrad: "SPP",
  dropout: "dropout",
  softmaxCrossEntropy: "loss",
  softmaxCrossEntropyGrad: "loss",
  topkCorrect: "loss",
  sgdUpdate: "SGD update",
  axpby: "gradient sums and scaling",
  mul: "gradient sums and scaling",
  broadcast: "gradient sums and scaling",
  circularPad: "pads and copies",
  concatColumns: "pads and copies",
  sliceColumns: "pads and copies",
  zeros: "pads and copies",
};
const backendMethods = gpu as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const [method, kind] of Object.entries(KINDS)) {
  const original = backendMethods[method].bind(gpu);
  backendMethods[method] = (...a: unknown[]) =>
    engine.profiler ? engine.profiler.scoped(kind, () => original(...a)) : original(...a);
}

async function sync(): Promise<void> {
  const s = gpu.zeros(1);
  await gpu.read(s);
  gpu.release(s);
}

interface ModelProfile {
  model: string;
  macs: number;
  plainMs: number;
  profiledMs: number;
  steps: number;
  kinds: { kind: string; dispatches: number; deviceMs: number; hostMs: number }[];
  kernels: ProfileRow[];
  submitMs: number;
  submits: number;
  readbackMs: number;
  timestamps: boolean;
}

const rng = new Rng(1);
const profiles: ModelProfile[] = [];
const plain: Record<string, number> = {};
const numerics: Record<string, string> = {};
for (const spec of quick ? stepSpecs().slice(0, 1) : stepSpecs()) {
  const net = new Network(spec, gpu, new Rng(2));
  const sgd = new Sgd(net.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const xs = Tensor.fromArray(gpu, Array.from({ length: STEP_BATCH * 3 * 28 * 28 }, () => rng.normal()), [
    STEP_BATCH,
    3,
    28,
    28,
  ]);
  const ys = Tensor.fromArray(gpu, Array.from({ length: STEP_BATCH }, (_, i) => i % 10), [STEP_BATCH]);
  const step = () =>
    tidy(() => {
      const loss = ops.softmaxCrossEntropy(net.forward(xs, { training: true, seed: 1 }), ys);
      loss.backward();
      sgd.step();
      sgd.zeroGrad();
    });
  const timed = async (n: number) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) step();
    await sync();
    return (performance.now() - t) / n;
  };
  await timed(2); // warm-up: pipelines compiled, buffers pooled
  const samples: number[] = [];
  for (let r = 0; r < (quick ? 2 : 5); r++) samples.push(await timed(quick ? 2 : 4));
  samples.sort((a, b) => a - b);
  const plainMs = samples[Math.floor(samples.length / 2)];
  if (plainOnly) {
    plain[spec.name] = (STEP_BATCH / plainMs) * 1000;
    numerics[spec.name] = await parameterHash(net);
    [xs, ys].forEach((t) => t.dispose());
    net.dispose();
    sgd.dispose();
    continue;
  }
  const steps = quick ? 2 : 4;
  const profiler = engine.setProfiler(true)!;
  const profiledMs = await timed(steps);
  await profiler.collect();
  engine.setProfiler(false);
  const kernels = profiler.table().map((r) => ({
    ...r,
    dispatches: r.dispatches / steps,
    deviceMs: r.deviceMs / steps,
    hostMs: r.hostMs / steps,
  }));
  const byKind = new Map<string, { kind: string; dispatches: number; deviceMs: number; hostMs: number }>();
  for (const k of kernels) {
    const e = byKind.get(k.scope) ?? { kind: k.scope, dispatches: 0, deviceMs: 0, hostMs: 0 };
    e.dispatches += k.dispatches;
    e.deviceMs += k.deviceMs;
    e.hostMs += k.hostMs;
    byKind.set(k.scope, e);
  }
  profiles.push({
    model: spec.name,
    macs: countMacs(describe(spec)),
    plainMs,
    profiledMs,
    steps,
    kinds: [...byKind.values()].sort((a, b) => b.deviceMs - a.deviceMs),
    kernels,
    submitMs: profiler.submitMs / steps,
    submits: profiler.submits / steps,
    readbackMs: profiler.readbackMs / steps,
    timestamps: profiler.timestamps,
  });
  [xs, ys].forEach((t) => t.dispose());
  net.dispose();
  sgd.dispose();
  const p = profiles.at(-1)!;
  console.log(
    `${p.model}: plain step ${p.plainMs.toFixed(1)} ms (${
      (STEP_BATCH / p.plainMs * 1000).toFixed(0)
    } images/s); ` +
      `device ${sum(p.kinds, "deviceMs").toFixed(1)} ms in ${sum(p.kinds, "dispatches")} dispatches`,
  );
}

if (plainOnly) {
  console.log(JSON.stringify({ adapter: engine.adapter.description, imagesPerSecond: plain, numerics }));
  Deno.exit(0);
}

function sum<K extends "deviceMs" | "hostMs" | "dispatches">(rows: Record<K, number>[], key: K): number {
  return rows.reduce((a, r) => a + r[key], 0);
}

const env = await environment(gpu);
const ms = (x: number) => x.toFixed(1);
const share = (x: number, of: number) => `${((100 * x) / of).toFixed(0)}%`;
const md = [
  `# Profile of a training step: ${engine.adapter.description}`,
  "",
  `Written by \`deno task profile\` (bench/profile.ts). Deno ${env.deno}, ${env.cpus} CPUs, Mesa ` +
  `${env.graphics?.mesa ?? "unknown"}, commit ${env.git?.commit.slice(0, 12) ?? "unknown"}${
    env.git?.dirty ? " (with uncommitted changes)" : ""
  }, ${env.date}. Batch ${STEP_BATCH}, 28x28 crops: forward, backward and the SGD update.`,
  "",
  "How to read it: the plain step is the median time of a step with nothing attached. In the profiled steps",
  "every dispatch runs in a compute pass of its own between two timestamps (device time) and the host's time",
  "to record it is measured (host recording); the profiled step is slower than the plain one by that",
  "separation. Device time is what the kernels themselves cost; a plain step longer than the device total is",
  "time the device waits for the host (JavaScript outside the engine: autograd, tensor bookkeeping, recording).",
  "",
  "## Summary",
  "",
  "| model | M multiply-adds / image | plain step ms | images/s | device ms (sum) | dispatches | host recording ms | submits | readback wait ms | profiled step ms |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...profiles.map((p) =>
    `| ${p.model} | ${(p.macs / 1e6).toFixed(1)} | ${ms(p.plainMs)} | ${
      (STEP_BATCH / p.plainMs * 1000).toFixed(0)
    } | ` +
    `${ms(sum(p.kinds, "deviceMs"))} | ${sum(p.kinds, "dispatches")} | ${ms(sum(p.kinds, "hostMs"))} | ` +
    `${p.submits.toFixed(1)} | ${ms(p.readbackMs)} | ${ms(p.profiledMs)} |`
  ),
  "",
  ...profiles.flatMap((p) => {
    const device = sum(p.kinds, "deviceMs");
    return [
      `## ${p.model}`,
      "",
      "| kind of work | dispatches | device ms | share of device time | host recording ms |",
      "| --- | --- | --- | --- | --- |",
      ...p.kinds.map((k) =>
        `| ${k.kind} | ${k.dispatches} | ${ms(k.deviceMs)} | ${share(k.deviceMs, device)} | ${ms(k.hostMs)} |`
      ),
      "",
      "Largest kernels:",
      "",
      "| kind of work | kernel | dispatches | device ms |",
      "| --- | --- | --- | --- |",
      ...p.kernels.slice(0, 8).map((k) =>
        `| ${k.scope} | \`${k.kernel}\` | ${k.dispatches} | ${ms(k.deviceMs)} |`
      ),
      "",
    ];
  }),
].join("\n");
await writeJsonAtomic(`${outDir}/profile.json`, { environment: env, batch: STEP_BATCH, profiles });
await writeFileAtomic(`${outDir}/profile.md`, md);
console.log(`wrote ${outDir}/profile.json and profile.md`);
