/**
 * A fingerprint of the code that determines a trained model: the kernels, the tensor library and its backends,
 * data loading and augmentation, the models, the training loop and the paper's facts (the fc stds), not results,
 * reports, the CLI or the experiments' bookkeeping (their recipes enter the model key through the training
 * configuration); plus the active fault (lib/faults.ts). Stored models are keyed by it, so a change to the code
 * a model depends on retrains it instead of reusing a model made by other code.
 */
import { activeFault } from "../faults.ts";
import { sha256Hex } from "./fs.ts";
import { PROJECT_ROOT } from "./paths.ts";

let cached: string | null = null;

/** Folders whose code shapes a trained model; lib/*.ts (ops, tensors, layers, init, optimizer) count too. */
const MODEL_CODE = [
  "kernels",
  "lib/webgpu",
  "lib/reference",
  "lib/data",
  "lib/models",
  "lib/train",
  "lib/paper",
];

function collect(dir: string, out: string[], recurse: boolean): void {
  const entries = [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory && recurse) collect(path, out, recurse);
    else if (e.isFile && /\.(ts|wgsl)$/.test(e.name)) out.push(path);
  }
}

export function codeFingerprint(): string {
  if (cached) return cached;
  const files: string[] = [];
  collect(`${PROJECT_ROOT}/lib`, files, false);
  for (const dir of MODEL_CODE) collect(`${PROJECT_ROOT}/${dir}`, files, true);
  const parts = files.map((f) => `${f.slice(PROJECT_ROOT.length)}\n${sha256Hex(Deno.readFileSync(f))}`);
  cached = sha256Hex(parts.join("\n") + `\nfault=${activeFault() ?? "none"}`).slice(0, 16);
  return cached;
}
