/**
 * transfer's target task (an analog of Table 8's VOC 2007): the data, loaded in the source's form, and one recipe
 * for every net trained on it, fine-tuned from a source net (every layer, a fresh classifier) or from scratch.
 */
import type { DatasetName } from "../data/catalog.ts";
import { toRgbSquare } from "../data/transform.ts";
import type { Network } from "../models/network.ts";
import type { RunRecord } from "../results/result.ts";
import * as common from "./common.ts";
import * as large from "./large_family.ts";
import { scoresOn } from "./measure.ts";
import { paperRecipe } from "./recipe.ts";
import { type RunContext, tierSettings } from "./registry.ts";
import { PIXEL_SCALE } from "./small_family.ts";
import { TARGET_RECIPE, TRANSFER_TIERS } from "../recipes/transfer.ts";

/** Copies every parameter of the source but its classifier (fc3), which starts afresh as in fine-tuning. */
async function copyFeatures(from: Network, to: Network): Promise<void> {
  const values = await from.readParameters();
  from.parameters().forEach((p, i) => {
    if (p.name.startsWith("fc3.")) return;
    const target = to.parameters().find((q) => q.name === p.name);
    if (!target || target.tensor.size !== values[i].length) {
      throw new Error(`transfer: ${p.name} has no counterpart of the same size in ${to.spec.name}`);
    }
    to.backend.write(target.tensor.storage, values[i]);
  });
}

export type TargetKind = "relu" | "prelu-channel";

/** What one source net gives on the target: fine-tuned and from-scratch twins, and the linear probe's error. */
export interface Transferred {
  finetuned: { err: number; run: RunRecord };
  scratch: { err: number; run: RunRecord };
  probe: number;
}

export async function setupTransfer(ctx: RunContext) {
  const lt = large.largeTier(ctx, "transfer");
  const tt = tierSettings(TRANSFER_TIERS, ctx, "transfer");
  const source = await common.loadData(ctx, lt, PIXEL_SCALE);
  const targetName: DatasetName = source.dataset === "fashion-mnist" ? "mnist" : "fashion-mnist";
  const side = source.train.height;
  // The target takes the source's form: RGB at its side (CIFAR-10), or grayscale as it is where the source is the
  // Fashion-MNIST fallback (MNIST has its size).
  const target = await common.loadDataset(ctx, targetName, tt, PIXEL_SCALE, {
    transform: (set) => source.train.channels === 1 ? set : toRgbSquare(set, side),
  });
  const { crop } = large.largeGeometry(target, lt);
  const config = (seed: number) =>
    paperRecipe({
      epochs: tt.epochs,
      batch: TARGET_RECIPE.batch,
      lr: TARGET_RECIPE.lr,
      balancedBatches: TARGET_RECIPE.balancedBatches,
      // The large family's start for a fresh classifier (fine-tuned nets get one too), as models-abc trains A.
      classifierLogitStd: lt.classifierLogitStd,
      seed,
      augment: { crop, scale: [side, side + 4], flip: true, pcaStd: 0 },
      data: target,
      colour: false,
      val: { side, crop },
      evalPoints: TARGET_RECIPE.evalPoints,
      earlyEvalPoints: TARGET_RECIPE.earlyEvalPoints,
    });
  // The result describes the target task.
  return {
    lt,
    tt,
    source,
    target,
    targetName,
    side,
    crop,
    config,
    data: target,
    seeds: ctx.seeds ?? lt.seeds,
  };
}

/** Trains model A of `kind` on the target, from the source net's features or from scratch, and tests it. */
export async function onTarget(
  ctx: RunContext,
  o: Awaited<ReturnType<typeof setupTransfer>>,
  kind: TargetKind,
  seed: number,
  from: common.TrainedModel | null,
): Promise<{ err: number; run: RunRecord }> {
  const spec = large.largeSpec("A", o.lt, o.target, kind);
  const how = from ? "finetuned" : "scratch";
  const cfg = o.config(seed);
  const model = await common.trainNetwork(ctx, { id: "transfer" }, {
    label: `${large.largeLabel(spec, large.LARGE_INIT, o.target, cfg)}-${how}-from-${o.source.dataset}`,
    spec,
    config: cfg,
    data: o.target,
    start: from ? { from: from.key, apply: (net) => copyFeatures(from.net, net) } : undefined,
  });
  const { side, crop } = o;
  const r = await scoresOn(ctx, model, o.target, "test", { kind: "views", views: "center", side, crop });
  model.net.dispose();
  const run = common.runRecord(`A-${kind}-${how}-seed${seed}`, seed, model.result, {
    centerTop1Err: r.top1Err,
  });
  return { err: r.top1Err, run };
}
