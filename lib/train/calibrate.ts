/**
 * A data-dependent start for the classifier: its He init rescaled so that the logits start at a given spread.
 * In a deep plain net on 32 px inputs the signal shrinks through every 3x3 conv on the zero-padded 7x7 and 4x4
 * maps, and by a factor that varies several-fold from seed to seed at widths of 16-32 channels (model A with
 * ReLU, He's classifier: logits at std 0.08 to 0.31 over three seeds). Fixing the spread at 0.3 shortened model
 * A's time on the chance plateau in PyTorch (bench/studies/plateau_torch/), so the large family's short tiers
 * start that way.
 */
import type { DataSet } from "../data/dataset.ts";
import type { Normalization } from "../data/augment.ts";
import type { Network } from "../models/network.ts";
import { evaluateViews } from "./evaluate.ts";

/** Training images the spread is measured on (spread evenly over the set, so every class is in). */
export const CALIBRATION_IMAGES = 256;

/**
 * The logits' standard deviation over the classes (n - 1 in the denominator, as PyTorch's std), averaged over
 * `scores`' rows: read from log-softmax scores, whose spread over a row is the logits' (a softmax only shifts them).
 */
export function logitSpread(scores: Float32Array, classes: number): number {
  const rows = scores.length / classes;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let c = 0; c < classes; c++) mean += Math.log(scores[r * classes + c]);
    mean /= classes;
    let sq = 0;
    for (let c = 0; c < classes; c++) sq += (Math.log(scores[r * classes + c]) - mean) ** 2;
    total += Math.sqrt(sq / (classes - 1));
  }
  return total / rows;
}

/** The name of the last fc layer's weight, the classifier's. */
function classifierWeight(net: Network): string {
  const last = net.spec.layers.findLast((l) => l.type === "fc");
  if (!last) throw new Error(`${net.spec.name} has no fc layer to rescale`);
  return `${last.name}.weight`;
}

type View = { side: number; crop: number; batchSize: number };

/** The net's logit spread on CALIBRATION_IMAGES centre crops of `set`'s images. */
export async function measureLogitSpread(
  net: Network,
  set: DataSet,
  view: View,
  norm: Normalization,
): Promise<number> {
  const r = await evaluateViews(net, set, {
    ...view,
    views: "center",
    norm,
    limit: CALIBRATION_IMAGES,
    keepScores: true,
  });
  return logitSpread(r.scores!, set.classes.length);
}

/**
 * Multiplies the classifier's weights so the logits' spread on CALIBRATION_IMAGES centre-cropped training images
 * is `target`; returns the spread before. Biases are zero at the start, so the spread scales with the weights.
 */
export async function scaleClassifier(
  net: Network,
  set: DataSet,
  view: View,
  norm: Normalization,
  target: number,
): Promise<number> {
  const spread = await measureLogitSpread(net, set, view, norm);
  if (!(spread > 0) || !Number.isFinite(spread)) {
    throw new Error(
      `${net.spec.name}: the logits' spread at the start is ${spread}, so the classifier cannot be rescaled to ` +
        `${target}; start it from a non-zero init (a zero classifier has no spread to scale)`,
    );
  }
  const name = classifierWeight(net);
  const weight = net.parameters().find((p) => p.name === name);
  if (!weight) {
    throw new Error(`${net.spec.name}: no parameter ${name} (a classifier split into row blocks?)`);
  }
  const factor = target / spread;
  net.backend.write(weight.tensor.storage, (await weight.tensor.toArray()).map((v) => v * factor));
  return spread;
}
