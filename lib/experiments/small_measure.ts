/**
 * What small-model measures on each trained 14-layer net (one shard's measurements): test errors under the
 * centre-crop and 10-view protocols, the centre crop's per-image predictions (for paired tests), the learned
 * slopes of every layer (Table 1), the mean responses and Fisher proxy (Fig 2, Eq. 5-6), conv1's filters, and the
 * audits of the slope gradient and weight decay. Plain data, so a published shard's JSON holds it.
 */
import type { DataSet, ImageSet } from "../data/dataset.ts";
import { runAudits } from "./audit.ts";
import { type LoadedData, probeImages } from "./data.ts";
import type { TrainedModel } from "./model_store.ts";
import { filters, readSlopes, type Responses, responses, type Scored, scoresOn } from "./measure.ts";
import type { RunContext } from "./registry.ts";
import { smallConfig, smallGeometry, type SmallTier } from "./small_family.ts";

export interface SmallNetMeasurements {
  centre: { top1Err: number; top5Err: number; count: number };
  ten: { top1Err: number; count: number };
  /** The centre crop's top-1 class of every test image, one character (0-9, a-z) each. */
  predictions: string;
  slopes: Record<string, number>;
  /** Every channel's slope of the channel-wise variant's layers (empty otherwise). */
  allSlopes: number[];
  responses: Responses;
  audit: { slopeGradient: number | null; slopes: number | null; weights: number };
  /** conv1's weights, where asked for (the filter picture). */
  conv1?: { values: number[]; shape: number[] };
}

export interface SmallMeasureSetup {
  data: LoadedData<DataSet>;
  probe: { set: ImageSet; side: number };
  probeCount: number;
  auditImages: number;
  side: number;
  crop: number;
  viewImages: number;
  weightDecay: number;
}

/** What every net of a tier is measured with: the test protocol's geometry and a fixed batch of probe pixels. */
export async function smallMeasureSetup(
  data: LoadedData<DataSet>,
  tier: SmallTier,
): Promise<SmallMeasureSetup> {
  const { side, crop } = smallGeometry(data, tier);
  // Mean responses and audits need a fixed batch of pixels in memory (a decoded sample at the paper tier).
  // At most 256 images, fewer when --eval-images asks (a pipeline check).
  const probeCount = Math.min(256, tier.evalLimit);
  return {
    data,
    probe: await probeImages(data, probeCount, side, crop),
    probeCount,
    auditImages: Math.min(8, probeCount),
    side,
    crop,
    viewImages: tier.viewImages,
    weightDecay: smallConfig(tier, data, 1).weightDecay,
  };
}

const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

/** The top-1 class of every scored image as one character each (at most 36 classes). */
export function predictionString(scored: Scored, classes: number): string {
  if (classes > DIGITS.length) return "";
  let out = "";
  for (let i = 0; i < scored.labels.length; i++) {
    const row = scored.scores.subarray(i * classes, (i + 1) * classes);
    let best = 0;
    for (let j = 1; j < classes; j++) if (row[j] > row[best]) best = j;
    out += DIGITS[best];
  }
  return out;
}

/** Per image, whether a prediction string's class is the label. */
export function predictionsCorrect(predictions: string, labels: ArrayLike<number>): boolean[] {
  if (predictions.length !== labels.length) {
    throw new Error(
      `predictions of ${predictions.length} images for ${labels.length} labels (more than 36 classes are not ` +
        "kept as predictions)",
    );
  }
  return Array.from(labels, (label, i) => DIGITS.indexOf(predictions[i]) === label);
}

export async function measureSmallNet(
  ctx: RunContext,
  model: TrainedModel,
  s: SmallMeasureSetup,
  withFilters: boolean,
): Promise<SmallNetMeasurements> {
  const testViews = (views: "center" | "ten", limit?: number) =>
    scoresOn(ctx, model, s.data, "test", { kind: "views", views, side: s.side, crop: s.crop, limit });
  const centre = await testViews("center");
  const ten = await testViews("ten", s.viewImages);
  const slopes = await readSlopes(model.net);
  const measured: SmallNetMeasurements = {
    centre: { top1Err: centre.top1Err, top5Err: centre.top5Err, count: centre.count },
    ten: { top1Err: ten.top1Err, count: ten.count },
    predictions: predictionString(centre, s.data.train.classes.length),
    slopes: slopes.perLayer,
    allSlopes: slopes.all,
    responses: await responses(model.net, s.probe.set, s.data.norm, s.crop, s.probeCount),
    audit: { slopeGradient: null, slopes: null, weights: 0 },
  };
  if (withFilters) {
    const f = await filters(model.net);
    measured.conv1 = { values: Array.from(f.values), shape: [...f.shape] };
  }
  // Last, as the weight-decay audit changes the parameters.
  measured.audit = await runAudits(model.net, s.probe, s.data.norm, s.crop, s.weightDecay, s.auditImages);
  return measured;
}
