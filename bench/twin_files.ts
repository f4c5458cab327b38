/**
 * The files the PyTorch twin (bench/torch_twin.py) reads: our decoded CIFAR-10 splits, the indices of our
 * training split within them, and a recipe file holding the net, the recipe and the data statistics.
 */
import type { DataSet } from "../lib/data/dataset.ts";
import type { LoadedData } from "../lib/experiments/data.ts";
import type { NetSpec } from "../lib/models/network.ts";
import type { TrainConfig } from "../lib/train/trainer.ts";
import { newestDecoded } from "./decoded_split.ts";

export const decodedSplit = (s: "train" | "test") => newestDecoded(`cifar10_${s}-`);

/** The indices of our training split within the decoded training set (the last `valPerClass` of each class held out). */
export function trainIndicesOf(valPerClass: number): number[] {
  const counts = new Map<number, number>();
  const total = new Map<number, number>();
  const labels = readLabels(decodedSplit("train"));
  labels.forEach((l) => total.set(l, (total.get(l) ?? 0) + 1));
  return labels.flatMap((l, i) => {
    const k = counts.get(l) ?? 0;
    counts.set(l, k + 1);
    return k < total.get(l)! - valPerClass ? [i] : [];
  });
}

function readLabels(path: string): number[] {
  const raw = Deno.readFileSync(path);
  const first = raw.indexOf(10);
  const second = raw.indexOf(10, first + 1);
  const head = JSON.parse(new TextDecoder().decode(raw.subarray(first + 1, second)));
  return Array.from(new Uint16Array(raw.slice(second + 1, second + 1 + 2 * head.count).buffer));
}

/** A temporary recipe file for torch_twin.py: the net, the recipe, the data's statistics, and `extra` fields. */
export async function recipeFile(
  data: LoadedData<DataSet>,
  trainIndices: number[],
  spec: NetSpec,
  config: TrainConfig,
  extra: Record<string, unknown>,
): Promise<string> {
  const path = Deno.makeTempFileSync({ suffix: ".json" });
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      spec,
      seed: config.seed,
      train: decodedSplit("train"),
      test: decodedSplit("test"),
      trainIndices,
      mean: data.norm.mean,
      scale: data.norm.scale,
      pca: data.pca,
      pcaStd: config.augment.pcaStd,
      crop: config.augment.crop,
      jitter: config.augment.scale,
      lr: config.schedule.base,
      balanced: config.balancedBatches ?? false,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
      batch: config.batchSize,
      ...extra,
    }),
  );
  return path;
}
