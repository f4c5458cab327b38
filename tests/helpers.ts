/** Shared test fixtures: the two backends, seeded data, and error measures. */
import { ReferenceBackend } from "../lib/reference/backend.ts";
import { WebGpuBackend } from "../lib/webgpu/backend.ts";
import { closeEngine, getEngine } from "../lib/webgpu/engine.ts";
import { closeDecodePool } from "../lib/data/decode_pool.ts";
import { Rng } from "../lib/rng.ts";
import { Tensor } from "../lib/tensor.ts";
import type { Backend } from "../lib/backend.ts";

export const reference = new ReferenceBackend();
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
