/**
 * What the engine asks of the adapter: which graphics API, which limits (what our kernels need at least, and
 * what is raised or lowered to the adapter's offer), and the errors when an adapter is missing or falls short.
 */

/** Limits our kernels need at least, and the ones we raise to what the adapter offers. */
export const REQUIRED_LIMITS: Record<string, number> = {
  maxComputeWorkgroupStorageSize: 8192,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxStorageBuffersPerShaderStage: 6,
};
export const RAISED_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupsPerDimension",
  "maxUniformBufferBindingSize",
] as const;
/** Limits where lower is better (alignments): requested at what the adapter offers. */
export const LOWERED_LIMITS = ["minUniformBufferOffsetAlignment", "minStorageBufferOffsetAlignment"] as const;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** The graphics API WebGPU runs on ("vulkan", or what DENO_WEBGPU_BACKEND names; "any" when unrestricted). */
  api: string;
}

/**
 * The graphics API to ask WebGPU for. Deno's WebGPU takes any backend it finds, and on a machine without a
 * Vulkan driver that is Mesa's OpenGL one, which runs our kernels about 10x slower and reports the same
 * "llvmpipe" adapter. So on Linux we ask for Vulkan only (DENO_WEBGPU_BACKEND=vulkan, read when WebGPU starts),
 * unless the user chose a backend or allowed OpenGL with RECTIFIERS_ALLOW_GL=1.
 */
export function chooseApi(): string {
  let chosen: string | undefined;
  let allowGl = false;
  try {
    chosen = Deno.env.get("DENO_WEBGPU_BACKEND");
    allowGl = Deno.env.get("RECTIFIERS_ALLOW_GL") === "1";
    if (!chosen && !allowGl && Deno.build.os === "linux") {
      Deno.env.set("DENO_WEBGPU_BACKEND", "vulkan");
      chosen = "vulkan";
    }
  } catch { /* no --allow-env: leave WebGPU to choose */ }
  return chosen ?? "any";
}

export interface LimitReport {
  name: string;
  required: number | null;
  requested: number;
  offered: number;
}

export class NoAdapterError extends Error {
  constructor(api = "any") {
    super(
      (api === "vulkan"
        ? "No Vulkan WebGPU adapter (rectifiers asks for Vulkan only: Mesa's OpenGL path runs about 10x slower). "
        : "No WebGPU adapter: navigator.gpu.requestAdapter() returned null. ") +
        "On a machine without a GPU install Mesa's software Vulkan driver (Debian/Ubuntu: apt-get install " +
        "mesa-vulkan-drivers libvulkan1; scripts/setup.sh does it when run as root on Debian)" +
        (api === "vulkan" ? ", or set RECTIFIERS_ALLOW_GL=1 to run on OpenGL anyway" : "") +
        ". ./rectifiers doctor shows what was found.",
    );
    this.name = "NoAdapterError";
  }
}

export class DeviceLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeviceLimitError";
  }
}
