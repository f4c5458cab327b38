/**
 * `deno task bench`: our kernels against TensorFlow.js's WebGPU backend on the same adapter in the same process,
 * and a training step of the scaled 14-layer model against PyTorch on the CPU when torch is installed.
 * Each figure is the median of 5 measurements after a warm-up (fewer for ops slower than 8 s in all); a
 * measurement runs the op back to back until at least 0.3 s have passed and waits for the device at the end. Written to results/bench/<adapter>.json/.md.
 *
 * Options: --quick (fewer shapes, one measurement: a smoke check), --no-tfjs, --no-torch, --out <dir>.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
import { WebGpuBackend } from "../lib/webgpu/backend.ts";
import type { Storage } from "../lib/backend.ts";
import { getEngine } from "../lib/webgpu/engine.ts";
import { convGeometry, poolGeometry } from "../lib/geometry.ts";
import { countMacs, describe, type NetSpec, Network } from "../lib/models/network.ts";
import { STEP_BATCH, stepSpecs as defaultStepSpecs } from "./step_models.ts";
import * as ops from "../lib/ops.ts";
import { Sgd } from "../lib/optim.ts";
import { Rng } from "../lib/rng.ts";
import { Tensor, tidy } from "../lib/tensor.ts";
import { writeFileAtomic, writeJsonAtomic } from "../lib/util/fs.ts";
import { environment } from "../lib/util/environment.ts";
import { findTorchPython } from "./torch_python.ts";
import { type TorchStep, torchStep } from "./torch_peer.ts";
import { decodeBench } from "./decode_bench.ts";
import { handleArgs } from "./cli_args.ts";

handleArgs(
  `
Usage: deno task bench [options]

Our kernels against TensorFlow.js's WebGPU backend on the same adapter, and a training step of the default
models against PyTorch on the CPU (when python3-torch is installed). Writes <out>/<adapter>.json and .md.

Options:
  --quick        fewer shapes, one measurement each (a smoke check)
  --no-tfjs      skip TensorFlow.js
  --no-torch     skip PyTorch
  --out <dir>    where to write the tables (default: results/bench)
  -h, --help     this text
`,
  ["--quick", "--no-tfjs", "--no-torch"],
  ["--out"],
);

const args = new Set(Deno.args);
const quick = args.has("--quick");
const outDir = Deno.args.includes("--out") ? Deno.args[Deno.args.indexOf("--out") + 1] : "results/bench";
const REPEATS = quick ? 1 : 5;
const MIN_SECONDS = quick ? 0.05 : 0.3;

const engine = await getEngine();
const gpu = new WebGpuBackend(engine);
const rng = new Rng(1);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

async function syncOurs(): Promise<void> {
  const s = gpu.zeros(1);
  await gpu.read(s);
  gpu.release(s);
}

/**
 * Median seconds per run of `fn`, where `sync` waits for all submitted work. Very slow ops (over 8 s in all)
 * get fewer measurements, at least one.
 */
async function measure(fn: () => void, sync: () => Promise<void>): Promise<number> {
  const begin = performance.now();
  fn();
  await sync();
  const samples: number[] = [];
  for (let r = 0; r < REPEATS && (r === 0 || performance.now() - begin < 8000); r++) {
    let runs = 0;
    const start = performance.now();
    do {
      fn();
      runs++;
      if (runs % 4 === 0) await sync();
    } while ((performance.now() - start) / 1000 < MIN_SECONDS);
    await sync();
    samples.push((performance.now() - start) / 1000 / runs);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

let tfLast: tf.Tensor | null = null;
async function syncTf(): Promise<void> {
  if (tfLast) {
    const one = tf.slice(tf.reshape(tfLast, [-1]), 0, 1);
    await one.data();
    one.dispose();
  }
}
function tfRun(fn: () => tf.Tensor): () => void {
  return () => {
    tfLast?.dispose();
    tfLast = fn();
  };
}

interface Row {
  op: string;
  shape: string;
  flops: number;
  /** Bytes a memory-bound op must read and write at least, for its effective GB/s. */
  bytes?: number;
  oursMs: number;
  peerMs: number | null;
}
const rows: Row[] = [];

interface StepRow {
  model: string;
  /** Forward multiply-adds per image. */
  macs: number;
  imagesPerSecond: number;
  torch: TorchStep | null;
}

function ratio(r: StepRow): string {
  return r.torch ? `${((100 * r.imagesPerSecond) / r.torch.imagesPerSecond).toFixed(0)}% of PyTorch` : "—";
}

function record(
  op: string,
  shape: string,
  flops: number,
  ours: number,
  peer: number | null,
  bytes?: number,
): void {
  rows.push({ op, shape, flops, bytes, oursMs: ours * 1000, peerMs: peer === null ? null : peer * 1000 });
  const g = (s: number) => (flops / s / 1e9).toFixed(2);
  console.log(
    `${op.padEnd(22)} ${shape.padEnd(30)} ours ${(ours * 1000).toFixed(1).padStart(8)} ms ${
      g(ours).padStart(7)
    } GFLOP/s` + (bytes ? ` ${(bytes / ours / 1e9).toFixed(2)} GB/s` : "") +
      (peer === null
        ? ""
        : `   tfjs ${(peer * 1000).toFixed(1).padStart(8)} ms ${g(peer).padStart(7)} GFLOP/s  x${
          (peer / ours).toFixed(2)
        }`),
  );
}

let useTf = !args.has("--no-tfjs");
if (useTf) {
  try {
    await tf.setBackend("webgpu");
    await tf.ready();
  } catch (e) {
    console.log(`TensorFlow.js WebGPU backend unavailable (${(e as Error).message}): peer columns skipped`);
    useTf = false;
  }
}

// --- the adapter's multiply-add ceiling
const peakOut = engine.alloc(4 * 65536);
const peakIterations = 4096;
const peakInvocations = 64 * 512;
const peakSeconds = await measure(
  () =>
    engine.dispatch("peak_fma", [peakOut], {
      iterations: peakIterations,
      invocations: peakInvocations,
      seed: 1e-7,
    }, [
      peakInvocations / 64,
    ]),
  syncOurs,
);
const peakGflops = (2 * 32 * peakIterations * peakInvocations) / peakSeconds / 1e9;
console.log(
  `adapter: ${engine.adapter.description}; measured multiply-add ceiling ${peakGflops.toFixed(1)} GFLOP/s`,
);

// --- convolutions (ours NCHW, TF.js NHWC; the same arithmetic)
const convShapes = [
  { name: "3x3 64->64, 32x32, batch 32", n: 32, c: 64, h: 32, co: 64, k: 3, s: 1, p: 1 },
  { name: "3x3 128->128, 8x8, batch 128", n: 128, c: 128, h: 8, co: 128, k: 3, s: 1, p: 1 },
  { name: "7x7/2 3->64, 64x64, batch 32", n: 32, c: 3, h: 64, co: 64, k: 7, s: 2, p: 3 },
  { name: "2x2 32->32, 10x10, batch 64 (14-layer)", n: 64, c: 32, h: 10, co: 32, k: 2, s: 1, p: 1 },
];
for (const sh of quick ? convShapes.slice(0, 1) : convShapes) {
  const g = convGeometry([sh.n, sh.c, sh.h, sh.h], [sh.co, sh.c, sh.k, sh.k], sh.s, sh.p);
  const flops = 2 * sh.n * g.oh * g.ow * sh.co * sh.c * sh.k * sh.k;
  const x = gpu.upload(rand(sh.n * sh.c * sh.h * sh.h));
  const w = gpu.upload(rand(sh.co * sh.c * sh.k * sh.k));
  const dy = gpu.upload(rand(sh.n * sh.co * g.oh * g.ow));
  const rel = (s: Storage) => gpu.release(s);
  const fwd = await measure(() => rel(gpu.conv2d(x, w, null, g)), syncOurs);
  const dgrad = await measure(() => rel(gpu.conv2dGradInput(dy, w, g)), syncOurs);
  const wgrad = await measure(() => rel(gpu.conv2dGradWeight(dy, x, g)), syncOurs);
  let peer: (number | null)[] = [null, null, null];
  if (useTf) {
    const tx = tf.randomNormal([sh.n, sh.h, sh.h, sh.c]) as tf.Tensor4D;
    const tw = tf.randomNormal([sh.k, sh.k, sh.c, sh.co]) as tf.Tensor4D;
    const tdy = tf.randomNormal([sh.n, g.oh, g.ow, sh.co]) as tf.Tensor4D;
    const pad = [[0, 0], [sh.p, sh.p], [sh.p, sh.p], [0, 0]] as [
      [number, number],
      [number, number],
      [number, number],
      [number, number],
    ];
    peer = [
      await measure(tfRun(() => tf.conv2d(tx, tw, sh.s, pad)), syncTf),
      await measure(
        tfRun(() =>
          tf.engine().runKernel("Conv2DBackpropInput", { dy: tdy, filter: tw }, {
            strides: sh.s,
            pad,
            dataFormat: "NHWC",
            inputShape: tx.shape,
          }) as tf.Tensor
        ),
        syncTf,
      ),
      await measure(
        tfRun(() =>
          tf.engine().runKernel("Conv2DBackpropFilter", { x: tx, dy: tdy }, {
            strides: sh.s,
            pad,
            dataFormat: "NHWC",
            filterShape: tw.shape,
          }) as tf.Tensor
        ),
        syncTf,
      ),
    ];
    tf.dispose([tx, tw, tdy]);
  }
  record("conv2d forward", sh.name, flops, fwd, peer[0]);
  record("conv2d backward-data", sh.name, flops, dgrad, peer[1]);
  record("conv2d backward-filter", sh.name, flops, wgrad, peer[2]);
  [x, w, dy].forEach((s) => gpu.release(s));
}

// --- matmul and the fc shapes of the scaled 14-layer model
const mmShapes = [
  { name: "1024 x 1024 x 1024", m: 1024, k: 1024, n: 1024 },
  { name: "fc1 64 x 1344 -> 128", m: 64, k: 1344, n: 128 },
  { name: "fc2 64 x 128 -> 128", m: 64, k: 128, n: 128 },
];
for (const sh of quick ? mmShapes.slice(1, 2) : mmShapes) {
  const a = gpu.upload(rand(sh.m * sh.k));
  const b = gpu.upload(rand(sh.k * sh.n));
  const ours = await measure(
    () => gpu.release(gpu.matmul(a, b, null, sh.m, sh.k, sh.n, false, false)),
    syncOurs,
  );
  let peer: number | null = null;
  if (useTf) {
    const ta = tf.randomNormal([sh.m, sh.k]) as tf.Tensor2D;
    const tb = tf.randomNormal([sh.k, sh.n]) as tf.Tensor2D;
    peer = await measure(tfRun(() => tf.matMul(ta, tb)), syncTf);
    tf.dispose([ta, tb]);
  }
  record("matmul", sh.name, 2 * sh.m * sh.k * sh.n, ours, peer);
  gpu.release(a);
  gpu.release(b);
}

// --- PReLU and max pooling (memory-bound: GFLOP/s counts one op per element)
{
  const n = 64, c = 32, h = 28;
  const size = n * c * h * h;
  const x = gpu.upload(rand(size));
  const slopes = gpu.upload(new Float32Array(c).fill(0.25));
  const shape = `${n}x${c}x${h}x${h}`;
  const tx = useTf ? tf.randomNormal([n, h, h, c]) as tf.Tensor4D : null;
  const ta = useTf ? tf.fill([c], 0.25) : null;
  const preluF = await measure(() => gpu.release(gpu.activation(x, slopes, 0, c, h * h)), syncOurs);
  const preluB = await measure(() => {
    const r = gpu.preluGrad(x, x, slopes, n, c, h * h, 1);
    gpu.release(r.dx);
    gpu.release(r.dslopes);
  }, syncOurs);
  record(
    "prelu forward",
    shape,
    size,
    preluF,
    useTf ? await measure(tfRun(() => tf.prelu(tx!, ta!)), syncTf) : null,
    8 * size,
  );
  // tfjs-core registers no gradients by itself: its PReLU backward written with its ops, as its gradient is.
  const tfPreluBackward = () =>
    tf.tidy(() => {
      const dy = tx!;
      const dx = tf.where(tf.greater(tx!, 0), dy, tf.mul(dy, ta!));
      const da = tf.sum(tf.mul(dy, tf.minimum(tx!, 0)), [0, 1, 2]);
      return tf.concat([tf.reshape(dx, [-1]), da]);
    });
  record(
    "prelu backward (x, a)",
    shape,
    2 * size,
    preluB,
    useTf ? await measure(tfRun(tfPreluBackward), syncTf) : null,
    12 * size,
  );
  const pg = poolGeometry([n, c, h, h], 2, 2);
  const pooled = gpu.maxPool(x, pg);
  const poolF = await measure(() => {
    const r = gpu.maxPool(x, pg);
    gpu.release(r.y);
    gpu.release(r.argmax);
  }, syncOurs);
  const poolB = await measure(() => gpu.release(gpu.maxPoolGrad(pooled.y, pooled.argmax, pg)), syncOurs);
  let peerF: number | null = null;
  let peerB: number | null = null;
  if (useTf) {
    const ty = tf.maxPool(tx!, 2, 2, "valid");
    peerF = await measure(tfRun(() => tf.maxPool(tx!, 2, 2, "valid")), syncTf);
    peerB = await measure(
      tfRun(() =>
        tf.engine().runKernel("MaxPoolGrad", { dy: ty, input: tx!, output: ty }, {
          filterSize: 2,
          strides: 2,
          pad: "valid",
        }) as tf.Tensor
      ),
      syncTf,
    );
    ty.dispose();
  }
  // Forward reads x and writes the max and its position (a quarter of x each); backward the reverse.
  record("maxpool 2x2/2 forward", shape, size, poolF, peerF, 6 * size);
  record("maxpool 2x2/2 backward", shape, size, poolB, peerB, 6 * size);
  const g = gpu.upload(rand(size));
  const v = gpu.upload(rand(size));
  const sgdT = await measure(() => gpu.sgdUpdate(x, g, v, 1e-9, 0.9, 5e-4), syncOurs);
  record("sgd update (momentum)", `${size} parameters`, 4 * size, sgdT, null, 20 * size);
  const addT = await measure(() => gpu.release(gpu.axpby(x, g, 1, 1)), syncOurs);
  record("add", shape, size, addT, null, 12 * size);
  [g, v].forEach((b) => gpu.release(b));
  tf.dispose([tx, ta].filter((t): t is tf.Tensor => t !== null));
}

// --- one training step of every default-tier model (32 px: 28x28 crops, batch 64), ours and PyTorch's
const stepBatch = STEP_BATCH;
const stepSpecs: NetSpec[] = defaultStepSpecs();
const python = args.has("--no-torch") ? null : await findTorchPython();
if (!args.has("--no-torch") && !python) console.log("PyTorch peer skipped: no python3 here imports torch");
const steps: StepRow[] = [];
for (const spec of quick ? stepSpecs.slice(0, 1) : stepSpecs) {
  const net = new Network(spec, gpu, new Rng(2));
  const sgd = new Sgd(net.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const xs = Tensor.fromArray(gpu, rand(stepBatch * 3 * 28 * 28), [stepBatch, 3, 28, 28]);
  const ys = Tensor.fromArray(gpu, Array.from({ length: stepBatch }, (_, i) => i % 10), [stepBatch]);
  const stepSeconds = await measure(() =>
    tidy(() => {
      const loss = ops.softmaxCrossEntropy(net.forward(xs, { training: true, seed: 1 }), ys);
      loss.backward();
      sgd.step();
      sgd.zeroGrad();
    }), syncOurs);
  [xs, ys].forEach((t) => t.dispose());
  const torch = python ? await torchStep(python, spec, stepBatch, quick ? 2 : 5) : null;
  const row: StepRow = {
    model: spec.name,
    macs: countMacs(describe(spec)),
    imagesPerSecond: stepBatch / stepSeconds,
    torch,
  };
  steps.push(row);
  console.log(
    `training step, ${row.model} (${
      (row.macs / 1e6).toFixed(1)
    } M multiply-adds/image), batch ${stepBatch}: ` +
      `${row.imagesPerSecond.toFixed(1)} images/s` +
      (torch ? `; PyTorch ${torch.imagesPerSecond.toFixed(1)} (ours ${ratio(row)})` : ""),
  );
}

// --- JPEG decoding: jpeg-js against sharp (libvips) on ImageNet-like files, one thread each
const decode = await decodeBench(quick ? 20 : 100);
for (const d of decode) console.log(`decode ${d.what}: ${d.imagesPerSecond.toFixed(0)} images/s`);

// --- the report
const env = await environment(gpu);
const name = engine.adapterName || "adapter";
const twin = readTwin();
const result = {
  adapter: engine.adapter,
  environment: env,
  quick,
  ceiling: {
    gflops: peakGflops,
    how:
      "measured: kernels/peak_fma.wgsl, 32 independent register-only multiply-adds per iteration per invocation",
  },
  rows,
  trainingSteps: { batch: stepBatch, input: [3, 28, 28], models: steps },
  decode,
  timeToAccuracy: twin,
};
const gbs = (r: Row) => (r.bytes ? (r.bytes / r.oursMs / 1e6).toFixed(2) : "—");
const md = [
  `# Benchmark: ${engine.adapter.description}${
    engine.adapter.isFallbackAdapter ? " (software adapter)" : ""
  }`,
  "",
  `Deno ${env.deno}, ${env.os}, ${env.cpus} CPUs, graphics ${env.graphics?.api ?? "?"} with Mesa ` +
  `${env.graphics?.mesa ?? "unknown"}, commit ${env.git?.commit.slice(0, 12) ?? "unknown"}` +
  `${env.git?.dirty ? " (with uncommitted changes)" : ""}, ${env.date}.` +
  (quick
    ? " **Quick mode: one measurement per row.**"
    : " Median of 5 measurements after a warm-up (fewer when an op takes over 8 s in all)."),
  "This host is shared: compare only figures of one run with each other (ratios), not across runs.",
  "",
  `Ceiling: ${peakGflops.toFixed(1)} GFLOP/s, measured with a register-only multiply-add kernel ` +
  '(kernels/peak_fma.wgsl) on this adapter; "% of ceiling" divides our GFLOP/s by it. Memory-bound rows ' +
  "(PReLU, pooling, SGD, add) give GB/s: the bytes they must read and write at least, over their time.",
  "",
  "## Training steps of the default-tier models",
  "",
  `Forward + backward + SGD update, batch ${stepBatch}, 28x28 crops, fp32; PyTorch ` +
  `${steps.find((r) => r.torch)?.torch?.version ?? "(not measured)"} on the CPU with ` +
  `${steps.find((r) => r.torch)?.torch?.threads ?? "?"} threads, the same model and batch, in the same run.`,
  "",
  "| model | M multiply-adds / image | ours images/s | PyTorch images/s | ours / PyTorch |",
  "| --- | --- | --- | --- | --- |",
  ...steps.map((r) =>
    `| ${r.model} | ${(r.macs / 1e6).toFixed(1)} | ${r.imagesPerSecond.toFixed(1)} | ` +
    `${r.torch ? r.torch.imagesPerSecond.toFixed(1) : "—"} | ${ratio(r)} |`
  ),
  "",
  ...(twin ? ["## Time to accuracy (bench/twin.ts)", "", twin, ""] : []),
  "## Kernels",
  "",
  "| op | shape | ours ms | ours GFLOP/s | % of ceiling | GB/s | TF.js ms | TF.js GFLOP/s | ours / TF.js |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => {
    const ours = r.flops / r.oursMs / 1e6;
    const peer = r.peerMs === null ? null : r.flops / r.peerMs / 1e6;
    return `| ${r.op} | ${r.shape} | ${r.oursMs.toFixed(1)} | ${ours.toFixed(2)} | ` +
      `${((100 * ours) / peakGflops).toFixed(1)}% | ${gbs(r)} | ` +
      `${r.peerMs === null ? "—" : r.peerMs.toFixed(1)} | ${peer === null ? "—" : peer.toFixed(2)} | ` +
      `${peer === null ? "—" : (ours / peer).toFixed(2) + "x"} |`;
  }),
  "",
  "## Image decoding (streamed datasets)",
  "",
  "| what | images/s |",
  "| --- | --- |",
  ...decode.map((d) => `| ${d.what} | ${d.imagesPerSecond.toFixed(0)} |`),
  "",
].join("\n");
await writeJsonAtomic(`${outDir}/${name}.json`, result);
await writeFileAtomic(`${outDir}/${name}.md`, md);
console.log(`\nwrote ${outDir}/${name}.json and ${outDir}/${name}.md`);

/**
 * The twin's time to accuracy (results/bench/tta.json, from `deno task twin` or `deno task twin --tta-only`),
 * when it has been run.
 */
function readTwin(): string | null {
  const file = "tta.json";
  try {
    const t = JSON.parse(Deno.readTextFileSync(`${outDir}/${file}`));
    const rows = t.timeToAccuracy as { err: number; ours: number | null; torch: number | null }[];
    const sec = (v: number | null) => (v === null ? "not reached" : `${v.toFixed(0)} s`);
    const commit = t.environment?.git?.commit?.slice(0, 12);
    return [
      `From results/bench/${file} (${t.environment?.date ?? "an earlier run"}${
        commit ? `, commit ${commit}` : ""
      }): the default tier's 14-layer ReLU ` +
      "model, wall time spent training (evaluations excluded) until the test error first falls below each level.",
      "",
      "| test top-1 error | ours | PyTorch | ours / PyTorch |",
      "| --- | --- | --- | --- |",
      ...rows.map((r) =>
        `| ${(100 * r.err).toFixed(0)}% | ${sec(r.ours)} | ${sec(r.torch)} | ${
          r.ours !== null && r.torch !== null ? (r.ours / r.torch).toFixed(1) + "x" : "—"
        } |`
      ),
    ].join("\n");
  } catch {
    return null;
  }
}
