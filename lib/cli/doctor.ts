/**
 * `deno task doctor`: what a user needs to know before a long run. Adapter, limits requested against offered,
 * Deno version, every kernel compiled, and known-answer self-tests of real kernels (values worked out by hand,
 * not by our own reference).
 */
import { WebGpuBackend } from "../webgpu/backend.ts";
import { getEngine } from "../webgpu/engine.ts";
import { driverInfo } from "../webgpu/driver.ts";
import { isTemplated, listKernels } from "../webgpu/kernel_source.ts";
import * as ops from "../ops.ts";
import { Tensor, tidy } from "../tensor.ts";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** 4x4 input 1..16, 3x3 kernel of ones, pad 1: each output is the sum of its 3x3 neighbourhood. */
const BOX_SUM = [14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54];
/** The same conv's input gradient for dy = 1: how many windows cover each pixel (corner 4, edge 6, inside 9). */
const COVER_COUNT = [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4];

export async function runDoctor(log: (line: string) => void = console.log): Promise<boolean> {
  log(`Deno ${Deno.version.deno} (V8 ${Deno.version.v8}, TypeScript ${Deno.version.typescript})`);
  let engine;
  try {
    engine = await getEngine();
  } catch (e) {
    log(`FAIL  WebGPU adapter: ${(e as Error).message}`);
    return false;
  }
  const a = engine.adapter;
  log(`WebGPU adapter: ${a.description || "(no description)"}`);
  log(`  vendor ${a.vendor || "-"}, architecture ${a.architecture || "-"}, device ${a.device || "-"}`);
  log(`  fallback (software) adapter: ${a.isFallbackAdapter ? "yes" : "no"}`);
  const driver = await driverInfo();
  log(
    `  graphics API: ${a.api}${
      a.api === "vulkan" ? " (rectifiers asks for Vulkan only; RECTIFIERS_ALLOW_GL=1 allows OpenGL)" : ""
    }`,
  );
  log(
    `  Vulkan driver manifests: ${driver.icds.join(", ") || "none"}; Mesa ${
      driver.mesa ?? "version unknown"
    }`,
  );
  log("Limits (required by our kernels / requested / offered by the adapter):");
  for (const l of engine.limitReport) {
    log(
      `  ${l.name.padEnd(36)} ${String(l.required ?? "-").padStart(10)} ${String(l.requested).padStart(12)} ${
        String(l.offered).padStart(12)
      }`,
    );
  }

  const checks: Check[] = [];
  // The adapter must be on the API it reports: Vulkan unless OpenGL was allowed, and with a Vulkan driver present.
  checks.push({
    name: "graphics API",
    ok: a.api !== "vulkan" || driver.icds.length > 0,
    detail: a.api === "vulkan"
      ? (driver.icds.length
        ? `Vulkan, driver ${driver.icds.map((f) => f.split("/").pop()).join(", ")}`
        : "Vulkan requested but no driver manifest found")
      : `${a.api} (not restricted to Vulkan: the adapter may be Mesa's much slower OpenGL one)`,
  });
  const gpu = new WebGpuBackend(engine);
  const kernels = listKernels();
  try {
    await engine.compile(kernels.map((k) => (isTemplated(k) ? { name: k, block: gpu.gemm.block } : k)));
    checks.push({ name: "compile kernels", ok: true, detail: `${kernels.length} WGSL kernels built` });
  } catch (e) {
    checks.push({ name: "compile kernels", ok: false, detail: (e as Error).message });
  }

  try {
    const { y, dx, act } = await tidy(async () => {
      const x = Tensor.fromArray(gpu, Array.from({ length: 16 }, (_, i) => i + 1), [1, 1, 4, 4], {
        requiresGrad: true,
      });
      const w = Tensor.fromArray(gpu, new Array(9).fill(1), [1, 1, 3, 3]);
      const out = ops.conv2d(x, w, null, { pad: 1 });
      ops.sum(out).backward();
      const slopes = Tensor.fromArray(gpu, [0.25], [1]);
      const act = ops.prelu(Tensor.fromArray(gpu, [-4, -1, 0, 2], [1, 1, 2, 2]), slopes);
      return { y: await out.toArray(), dx: await x.grad!.toArray(), act: await act.toArray() };
    });
    const same = (got: Float64Array, want: number[]) => want.every((v, i) => got[i] === v);
    checks.push({
      name: "conv2d forward known answer",
      ok: same(y, BOX_SUM),
      detail: `3x3 box sum of 1..16: ${Array.from(y).join(" ")}`,
    });
    checks.push({
      name: "conv2d backward known answer",
      ok: same(dx, COVER_COUNT),
      detail: `window cover counts: ${Array.from(dx).join(" ")}`,
    });
    checks.push({
      name: "PReLU known answer",
      ok: same(act, [-1, -0.25, 0, 2]),
      detail: `a = 0.25 on -4 -1 0 2: ${Array.from(act).join(" ")}`,
    });
  } catch (e) {
    checks.push({ name: "self-test", ok: false, detail: (e as Error).message });
  }
  for (const c of checks) log(`${c.ok ? "ok  " : "FAIL"}  ${c.name}: ${c.detail}`);
  const ok = checks.every((c) => c.ok);
  log(ok ? "doctor: all checks passed" : "doctor: some checks FAILED (see above)");
  return ok;
}
