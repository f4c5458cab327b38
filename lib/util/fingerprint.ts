/**
 * A fingerprint of the code that determines a trained model: every file under lib/ and kernels/, plus the active
 * fault (lib/faults.ts). Stored models are keyed by it, so a change to the library or a kernel retrains instead
 * of reusing a model made by other code.
 */
import { activeFault } from "../faults.ts";
import { sha256Hex } from "./fs.ts";
import { PROJECT_ROOT } from "./paths.ts";

let cached: string | null = null;

function collect(dir: string, out: string[]): void {
  const entries = [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) collect(path, out);
    else if (e.isFile && /\.(ts|wgsl)$/.test(e.name)) out.push(path);
  }
}

export function codeFingerprint(): string {
  if (cached) return cached;
  const files: string[] = [];
  for (const dir of ["lib", "kernels"]) collect(`${PROJECT_ROOT}/${dir}`, files);
  const parts = files.map((f) => `${f.slice(PROJECT_ROOT.length)}\n${sha256Hex(Deno.readFileSync(f))}`);
  cached = sha256Hex(parts.join("\n") + `\nfault=${activeFault() ?? "none"}`).slice(0, 16);
  return cached;
}
