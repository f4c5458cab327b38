/** What a result was produced on: Deno, the adapter, the machine and the exact source (git commit). */
import type { Backend } from "../backend.ts";
import { WebGpuBackend } from "../webgpu/backend.ts";
import { driverInfo } from "../webgpu/driver.ts";
import { PROJECT_ROOT } from "./paths.ts";
import { activeFault } from "../faults.ts";

export interface Environment {
  deno: string;
  v8: string;
  typescript: string;
  os: string;
  cpus: number;
  adapter: { description: string; vendor: string; architecture: string; fallback: boolean } | {
    description: string;
  };
  /** The graphics API and driver WebGPU ran on (absent for the CPU reference). */
  graphics?: { api: string; icds: string[]; mesa: string | null };
  git: { commit: string; dirty: boolean } | null;
  date: string;
  /** A deliberate fault (RECTIFIERS_FAULT, lib/faults.ts) active in this run; absent in normal runs. */
  fault?: string;
}

/** What decides a result: the library, kernels, experiments, entry point, configuration and pinned packages. */
const CODE_PATHS = ["lib", "kernels", "experiments", "cli.ts", "deno.json", "deno.lock"];

export async function gitState(): Promise<Environment["git"]> {
  try {
    const run = async (args: string[]) => {
      const out = await new Deno.Command("git", { args, cwd: PROJECT_ROOT, stdout: "piped", stderr: "null" })
        .output();
      if (!out.success) throw new Error("git failed");
      return new TextDecoder().decode(out.stdout).trim();
    };
    const commit = await run(["rev-parse", "HEAD"]);
    // Uncommitted changes to the code that makes results (not to results/ or the README, which a run writes).
    const dirty =
      (await run(["status", "--porcelain", "--untracked-files=no", "--", ...CODE_PATHS])).length > 0;
    return { commit, dirty };
  } catch {
    return null;
  }
}

export async function environment(backend: Backend): Promise<Environment> {
  const adapter = backend instanceof WebGpuBackend
    ? {
      description: backend.engine.adapter.description,
      vendor: backend.engine.adapter.vendor,
      architecture: backend.engine.adapter.architecture,
      fallback: backend.engine.adapter.isFallbackAdapter,
    }
    : { description: backend.describe() };
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    cpus: navigator.hardwareConcurrency,
    adapter,
    ...(backend instanceof WebGpuBackend
      ? { graphics: { api: backend.engine.adapter.api, ...(await driverInfo()) } }
      : {}),
    git: await gitState(),
    date: new Date().toISOString(),
    ...(activeFault() ? { fault: activeFault()! } : {}),
  };
}
