/**
 * Reads WGSL from kernels/<name>.wgsl. A line `//#include <name>` is replaced by kernels/<name>.wgsl, so shared
 * pieces (the tiled GEMM core, index helpers) are written once.
 */
const KERNEL_DIR = new URL("../../kernels/", import.meta.url);
const cache = new Map<string, string>();

export function loadKernelSource(name: string): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  let text: string;
  try {
    text = Deno.readTextFileSync(new URL(`${name}.wgsl`, KERNEL_DIR));
  } catch (e) {
    throw new Error(`kernel ${name}.wgsl not found in ${KERNEL_DIR.pathname} (${(e as Error).message})`);
  }
  const expanded = text.replace(/^\/\/#include (\w+)\s*$/gm, (_, inc: string) => loadKernelSource(inc));
  cache.set(name, expanded);
  return expanded;
}

/**
 * Every kernel (a .wgsl file no other file includes), for up-front compilation (doctor, tests). Templated kernels
 * (with //@gen lines) are listed too; compile them through their variant (see lib/webgpu/gemm_variant.ts).
 */
export function listKernels(): string[] {
  const names: string[] = [];
  const included = new Set<string>();
  for (const entry of Deno.readDirSync(KERNEL_DIR)) {
    if (!entry.isFile || !entry.name.endsWith(".wgsl")) continue;
    names.push(entry.name.slice(0, -5));
    const text = Deno.readTextFileSync(new URL(entry.name, KERNEL_DIR));
    for (const m of text.matchAll(/^\/\/#include (\w+)\s*$/gm)) included.add(m[1]);
  }
  return names.filter((n) => !included.has(n)).sort();
}

/** Whether a kernel is a template (it has //@gen lines and is built through a register-block variant). */
export function isTemplated(name: string): boolean {
  return /^\s*\/\/@gen /m.test(loadKernelSource(name));
}
