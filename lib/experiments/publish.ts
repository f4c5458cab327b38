/**
 * A trained net's weights as a PyTorch user loads them: each parameter named as the state_dict of the same
 * architecture built by bench/torch_model.py (modules named after our layers: conv1, conv1_act, ..., fc3), in a
 * safetensors file.
 */
import type { Network } from "../models/network.ts";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "../util/safetensors.ts";

/** PyTorch's name for one of our parameters: `conv1.act.slope` is the PReLU module conv1_act's weight. */
export function torchName(ours: string): string {
  const slope = /^(.+)\.act\.slope$/.exec(ours);
  if (slope) return `${slope[1].replaceAll(".", "_")}_act.weight`;
  const plain = /^(.+)\.(weight|bias)$/.exec(ours);
  if (!plain || plain[1].includes(".")) {
    throw new Error(
      `publish: parameter ${ours} has no PyTorch name (a row-blocked fc layer, as the paper's fc1 is, ` +
        "cannot be published as one tensor yet)",
    );
  }
  return `${plain[1]}.${plain[2]}`;
}

/** The net's parameters under PyTorch's names, in our parameter order (float32, read from the device). */
export async function namedWeights(net: Network): Promise<NamedTensor[]> {
  const out: NamedTensor[] = [];
  for (const p of net.parameters()) {
    out.push({
      name: torchName(p.name),
      shape: [...p.tensor.shape],
      data: Float32Array.from(await p.tensor.toArray()),
    });
  }
  return out;
}

/** Writes published weights back into a net of the same architecture (a reader's round trip). */
export function loadNamedWeights(net: Network, bytes: Uint8Array): void {
  const { tensors } = decodeSafetensors(bytes);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  for (const p of net.parameters()) {
    const t = byName.get(torchName(p.name));
    if (!t || t.data.length !== p.tensor.size) {
      throw new Error(`published weights: ${torchName(p.name)} is missing or has the wrong size`);
    }
    net.backend.write(p.tensor.storage, t.data);
  }
}

export { encodeSafetensors };

/** One published net in torch_check.json: our test errors and PyTorch's on the same weights. */
export interface TorchCheckRow {
  shard: string;
  /** SHA-256 of the weights PyTorch evaluated (absent in rows from before it was recorded). */
  weights?: string;
  ours: number;
  torch: number;
  tenOurs?: number;
  tenTorch?: number;
  images: number;
  torchVersion: string;
}

/** The rows of a torch_check.json by shard name; none where no evaluation was written yet. */
export async function readTorchCheck(path: string): Promise<Map<string, TorchCheckRow>> {
  try {
    const rows = JSON.parse(await Deno.readTextFile(path)).rows as TorchCheckRow[];
    return new Map(rows.map((r) => [r.shard, r]));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return new Map();
    throw e;
  }
}
