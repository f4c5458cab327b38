/**
 * Which driver serves WebGPU: the Vulkan driver manifests (ICD files) the Vulkan loader reads (VK_ICD_FILENAMES
 * or VK_DRIVER_FILES when set, else the standard folders) and the Mesa version where Debian's package says it.
 * Results and `doctor` record it, because Mesa versions compile our kernels differently.
 */
export interface DriverInfo {
  /** Manifests the Vulkan loader uses, e.g. lvp_icd.x86_64.json (lavapipe). */
  icds: string[];
  /** Mesa's version from Debian's mesa-vulkan-drivers, or null where it is not known. */
  mesa: string | null;
}

export function vulkanDrivers(): string[] {
  let explicit: string | undefined;
  try {
    explicit = Deno.env.get("VK_ICD_FILENAMES") ?? Deno.env.get("VK_DRIVER_FILES");
  } catch { /* no --allow-env */ }
  if (explicit) return explicit.split(":").filter((f) => f).filter(isFile);
  const found: string[] = [];
  for (const dir of ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"]) {
    try {
      for (const e of Deno.readDirSync(dir)) if (e.name.endsWith(".json")) found.push(`${dir}/${e.name}`);
    } catch { /* no such folder */ }
  }
  return found;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

export async function mesaVersion(): Promise<string | null> {
  try {
    const out = await new Deno.Command("dpkg-query", {
      args: ["-W", "-f=${Version}", "mesa-vulkan-drivers"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const v = new TextDecoder().decode(out.stdout).trim();
    return out.success && v ? v : null;
  } catch {
    return null;
  }
}

export async function driverInfo(): Promise<DriverInfo> {
  return { icds: vulkanDrivers(), mesa: await mesaVersion() };
}
