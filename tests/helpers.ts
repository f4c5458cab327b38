/** Shared test fixtures: the two backends, seeded data, and error measures. */
import { ReferenceBackend } from "../lib/reference/backend.ts";
import { WebGpuBackend } from "../lib/webgpu/backend.ts";
import { closeEngine, getEngine } from "../lib/webgpu/engine.ts";
import { closeDecodePool } from "../lib/data/decode_pool.ts";
import { Rng } from "../lib/rng.ts";
import { Tensor } from "../lib/tensor.ts";
import type { Backend } from "../lib/backend.ts";
import type { NetSpec } from "../lib/models/network.ts";

export const reference = new ReferenceBackend();

/** A small net with every kind of layer training uses (conv, pooling, SPP, fc, dropout, PReLU), 4 classes. */
export const TOY_SPEC: NetSpec = {
  name: "toy",
  input: [3, 10, 10],
  classes: 4,
  activation: "prelu-channel",
  convInit: { kind: "he-forward" },
  fcInit: [{ kind: "he-forward" }, { kind: "gaussian", std: 0.01 }],
  layers: [
    { type: "conv", name: "conv1", filters: 8, kernel: 3, pad: 1 },
    { type: "maxpool", name: "pool1", kernel: 2 },
    { type: "conv", name: "conv2", filters: 8, kernel: 2 },
    { type: "spp", name: "spp", levels: [2, 1] },
    { type: "fc", name: "fc1", units: 16 },
    { type: "dropout", name: "drop1", rate: 0.25 },
    { type: "fc", name: "fc2", units: 4 },
  ],
};

let gpu: WebGpuBackend | null = null;

/** The WebGPU backend; a missing adapter fails the test with the NoAdapterError's instructions. */
export async function webgpu(): Promise<WebGpuBackend> {
  if (!gpu) gpu = new WebGpuBackend(await getEngine());
  return gpu;
}

// `deno test` runs each test file in its own worker of one process, and a worker that ends does not destroy its
// WebGPU device: without this, every file's lavapipe device (with its driver threads) and decode workers stayed
// up until the process exited, and were torn down by the exit itself.
Deno.test.afterAll(async () => {
  gpu = null;
  closeDecodePool();
  await closeEngine();
});

/** Seeded values already rounded to f32, so both backends see identical inputs. */
export function randomF32(size: number, seed: number, std = 1): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: size }, () => Math.fround(std * rng.normal()));
}

export function tensor(
  backend: Backend,
  data: ArrayLike<number>,
  shape: number[],
  requiresGrad = false,
): Tensor {
  return Tensor.fromArray(backend, data, shape, { requiresGrad });
}

export interface ErrorStats {
  maxAbs: number;
  maxRel: number;
  /** max |a - b| / max |b|: the measure tolerances apply to. */
  normalized: number;
}

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>): ErrorStats {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let maxAbs = 0;
  let maxRel = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= maxAbs)) maxAbs = d; // NaN propagates
    maxRel = Math.max(maxRel, d / (Math.abs(expected[i]) + 1e-6));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return { maxAbs, maxRel, normalized: maxAbs / Math.max(scale, 1e-12) };
}
