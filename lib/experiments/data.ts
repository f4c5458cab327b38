/**
 * The data of a run: which dataset (--data names one or points at an ImageNet-style folder; --data-dir may be
 * such a folder; else CIFAR-10, downloaded by `reproduce` when the network allows, else a loud Fashion-MNIST
 * fallback), its tier's subset, the validation split held out of the training set, normalization and colour
 * basis. The small tiers hold 32 px images in memory; the paper tier streams a folder at full size.
 */
import { channelMean, type Normalization, type PcaBasis, pcaBasis } from "../data/augment.ts";
import { DATASET_NAMES, type DatasetName, fetchDataset, loadSplit, locate } from "../data/catalog.ts";
import {
  DataError,
  type DataSet,
  fingerprint,
  holdOut,
  type ImageSet,
  isStreamed,
  type StreamedSet,
  takePerClass,
} from "../data/dataset.ts";
import { decodePool } from "../data/decode_pool.ts";
import { skippedText } from "../data/folder.ts";
import {
  decodedSplit,
  type ImageFolder,
  isImageFolder,
  openImageFolder,
  streamedSplit,
} from "../data/image_folder.ts";
import { decoderName } from "../data/image_ops.ts";
import { sampleSet, streamedStats } from "../data/stream.ts";
import type { RunContext } from "./registry.ts";

export interface TierData {
  /** Images per class kept for training (before the validation split) and testing (null: all). */
  trainPerClass: number | null;
  testPerClass: number | null;
  /** Images per class held out of the training set for validation (curves, schedules, ensemble choices). */
  valPerClass: number;
}

/** How the pixels were read, for result records. */
export type InputRecord =
  | { kind: "memory"; size: number }
  | {
    kind: "streamed";
    decoder: string;
    threads: number;
    /** Training images whose centre crops gave the mean and the colour basis. */
    statsImages: number;
  };

export interface LoadedData<S extends DataSet = ImageSet> {
  /** "cifar10", "fashion-mnist", "mnist", or an image folder's name. */
  dataset: string;
  train: S;
  /** Held out of the training set: every choice made from data looks at it, never at the test set. */
  val: S;
  test: S;
  /** Set when the data is not what the experiment asked for (the Fashion-MNIST fallback). */
  note?: string;
  /** Files that were skipped, said so in the result (e.g. a README in a class folder). */
  skipped?: string;
  norm: Normalization;
  pca: PcaBasis;
  /** Content fingerprint of the three splits. */
  fingerprint: string;
  input: InputRecord;
}

/** Side of the images the small tiers' 32 px models see, whatever size a folder's images are. */
export const MEMORY_SIDE = 32;

type Choice = { kind: "named"; name: DatasetName; note?: string } | { kind: "folder"; folder: ImageFolder };

/** Which dataset a run uses (see the module comment); errors say what was looked for and the fix. */
export async function chooseData(ctx: RunContext): Promise<Choice> {
  if (ctx.dataset && DATASET_NAMES.includes(ctx.dataset as DatasetName)) {
    return { kind: "named", name: ctx.dataset as DatasetName };
  }
  if (ctx.dataset) return { kind: "folder", folder: openImageFolder(ctx.dataset) };
  if (ctx.dataDir && isImageFolder(ctx.dataDir)) {
    return { kind: "folder", folder: openImageFolder(ctx.dataDir) };
  }
  if (locate("cifar10", ctx.dataDir)) return { kind: "named", name: "cifar10" };
  if (ctx.download && !ctx.dataDir) {
    try {
      ctx.log("CIFAR-10 is not on this machine: downloading the official binary release (MD5-checked)");
      await fetchDataset("cifar10", { log: ctx.log });
      return { kind: "named", name: "cifar10" };
    } catch (e) {
      ctx.log(`could not download CIFAR-10 (${(e as Error).message})`);
    }
  }
  const note = "CIFAR-10 was not found" + (ctx.download ? " and could not be downloaded" : "") +
    ", so this run used Fashion-MNIST instead (grayscale 28x28): not comparable with CIFAR-10 runs";
  ctx.log(`\n*** WARNING: ${note}. Run 'deno task data cifar10' or pass --data-dir. ***\n`);
  return { kind: "named", name: "fashion-mnist", note };
}

/** The tier's data in memory (32 px images for a folder). */
export async function loadData(ctx: RunContext, tier: TierData, pixelScale: number): Promise<LoadedData> {
  const choice = await chooseData(ctx);
  if (choice.kind === "named") {
    return await loadDataset(ctx, choice.name, tier, pixelScale, { note: choice.note });
  }
  const { folder } = choice;
  const log = (s: string) => ctx.log(s);
  const perClass = tier.trainPerClass ? tier.trainPerClass + tier.valPerClass : null;
  const full = await decodedSplit(folder, "train", MEMORY_SIDE, perClass, log);
  const testSet = await decodedSplit(folder, "eval", MEMORY_SIDE, tier.testPerClass, log);
  const { train, val } = holdOut(full, tier.valPerClass);
  return withStats(folder.name, train, val, testSet, pixelScale, { kind: "memory", size: MEMORY_SIDE }, {
    skipped: folderSkipped(ctx, folder),
  });
}

/**
 * A named dataset for a tier (a subset per class), optionally transformed (e.g. to RGB for transfer), with its
 * normalization and colour basis.
 */
export async function loadDataset(
  ctx: RunContext,
  dataset: DatasetName,
  tier: TierData,
  pixelScale: number,
  opts: { note?: string; transform?: (set: ImageSet) => ImageSet } = {},
): Promise<LoadedData> {
  const log = (s: string) => ctx.log(s);
  let full = await loadSplit(dataset, "train", { dataDir: ctx.dataDir, log });
  let testSet = await loadSplit(dataset, "test", { dataDir: ctx.dataDir, log });
  if (tier.trainPerClass) full = takePerClass(full, tier.trainPerClass + tier.valPerClass);
  if (tier.testPerClass) testSet = takePerClass(testSet, tier.testPerClass);
  let { train: trainSet, val: valSet } = holdOut(full, tier.valPerClass);
  if (opts.transform) {
    trainSet = opts.transform(trainSet);
    valSet = opts.transform(valSet);
    testSet = opts.transform(testSet);
  }
  return withStats(
    dataset,
    trainSet,
    valSet,
    testSet,
    pixelScale,
    { kind: "memory", size: trainSet.height },
    {
      note: opts.note,
    },
  );
}

function withStats(
  dataset: string,
  train: ImageSet,
  val: ImageSet,
  test: ImageSet,
  pixelScale: number,
  input: InputRecord,
  extra: { note?: string; skipped?: string },
): LoadedData {
  return {
    dataset,
    train,
    val,
    test,
    ...(extra.note ? { note: extra.note } : {}),
    ...(extra.skipped ? { skipped: extra.skipped } : {}),
    norm: { mean: channelMean(train), scale: pixelScale },
    pca: pcaBasis(train),
    fingerprint: fingerprint(train, val, test),
    input,
  };
}

function folderSkipped(ctx: RunContext, folder: ImageFolder): string | undefined {
  const parts = [skippedText(folder.train), skippedText(folder.eval)].filter((s) => s) as string[];
  if (!parts.length) return undefined;
  const text = `${folder.root}: ${parts.join("; ")}`;
  ctx.log(`   ${text}`);
  return text;
}

/** What the paper tier streams: the held-out validation images per class, and the sample for the statistics. */
export interface StreamTier extends TierData {
  /** Training images whose centre crops give the mean and colour basis. */
  statsImages: number;
}

/**
 * The paper tier's data: an ImageNet-style folder streamed at full size (nothing decoded up front but the
 * sample for the mean and colour basis), with validation images held out of train/ and val/ (or test/) as the
 * test set. A folder with fewer images per class than the tier holds out keeps a quarter of its smallest class.
 */
export async function loadStreamed(
  ctx: RunContext,
  tier: StreamTier,
  pixelScale: number,
  geometry: { side: number; crop: number },
): Promise<LoadedData<DataSet>> {
  const choice = await chooseData(ctx);
  // Only a folder the user names: the default CIFAR-10 (a folder of 32 px JPEGs here) would be upscaled into
  // the paper's 224 px models, days of compute that answer none of the paper's questions.
  if (choice.kind !== "folder") {
    throw new DataError(
      `the ${ctx.tier} tier trains the paper's 224 px models on an ImageNet-style folder, and none was given: ` +
        "pass --data <folder> with train/<class>/*.jpg and val/<class>/*.jpg (ImageNet's layout), or " +
        `--data-dir <that folder>. Without one it would upscale ${choice.name}'s small images to 224 px; for ` +
        "CIFAR-10 use --tier default or --tier gpu.",
    );
  }
  const folder: ImageFolder = choice.folder;
  let full: StreamedSet = streamedSplit(folder, "train");
  let test: StreamedSet = streamedSplit(folder, "eval");
  if (tier.trainPerClass) full = takePerClass(full, tier.trainPerClass + tier.valPerClass);
  if (tier.testPerClass) test = takePerClass(test, tier.testPerClass);
  const smallest = Math.min(...full.classes.map((_, c) => full.labels.filter((l) => l === c).length));
  const valPerClass = Math.max(1, Math.min(tier.valPerClass, Math.floor(smallest / 4)));
  const { train, val } = holdOut(full, valPerClass);
  ctx.log(
    `streaming ${folder.root}: ${full.classes.length} classes, ${train.count} training images, ${val.count} ` +
      `held out for validation, ${test.count} ${folder.evalSplit}/ images`,
  );
  const pool = decodePool();
  const stats = await streamedStats(train, tier.statsImages, geometry.side, geometry.crop, pool);
  const skipped = folderSkipped(ctx, folder);
  return {
    dataset: folder.name,
    train,
    val,
    test,
    ...(skipped ? { skipped } : {}),
    norm: { mean: stats.mean, scale: pixelScale },
    pca: stats.pca,
    fingerprint: fingerprint(train, val, test),
    input: {
      kind: "streamed",
      decoder: await decoderName(),
      threads: pool.threads,
      statsImages: stats.images,
    },
  };
}

/**
 * A fixed batch of test images in memory for measurements that need pixels (mean responses, audits): the test
 * set itself when it is in memory (at `side`), else centre crops of `count` streamed images (already at `crop`).
 */
export async function probeImages(
  data: LoadedData<DataSet>,
  count: number,
  side: number,
  crop: number,
): Promise<{ set: ImageSet; side: number }> {
  const test = data.test;
  if (!isStreamed(test)) return { set: test, side };
  return { set: await sampleSet(test, count, side, crop, decodePool()), side: crop };
}

/**
 * Inputs are mean-subtracted and divided by 64 (about the pixels' std) rather than fed in the paper's raw
 * [-128, 128] range, so He's init gives unit-scale responses throughout.
 */
export const PIXEL_SCALE = 1 / 64;

/**
 * The paper tier's input scale. Raw [-128, 128] pixels with He's init keep responses at about 60-200 up to fc1,
 * and with the paper's learning rate 0.01 and fc stds the first SGD steps explode: measured on the paper's
 * 14-layer model (ReLU, batch 16, 224 crops of a generated folder), training loss 8.6, 9.0e4, 7.0e31, then NaN
 * over four steps with raw pixels; 2.3, 4.8, 3.2, 2.2 with pixels divided by 64, as at the other tiers.
 */
export const PAPER_PIXEL_SCALE = PIXEL_SCALE;

/** The paper tier's input: images streamed at full size, the shorter side resized, crops of the paper's size. */
export interface PaperInput {
  /** Shorter side for validation and test views (the paper: 256). */
  side: number;
  crop: number;
  /** Range of the shorter side for training crops (the 14-layer model: 256 only; A, B, C: [256, 512]). */
  scale: [number, number];
  /** Training images whose centre crops give the mean and colour basis. */
  statsImages: number;
  /** Multiplies (pixel - mean): the paper feeds raw [-128, 128] pixels (1); see PAPER_PIXEL_SCALE. */
  pixelScale: number;
}

/**
 * A tier's data (small or large family): in memory at 32 px, or (paper tier) streamed from an ImageNet-style
 * folder.
 */
export async function loadTierData(
  ctx: RunContext,
  tier: TierData & { paper?: PaperInput },
): Promise<LoadedData<DataSet>> {
  if (tier.paper) {
    return await loadStreamed(
      ctx,
      { ...tier, statsImages: tier.paper.statsImages },
      tier.paper.pixelScale,
      tier.paper,
    );
  }
  return await loadData(ctx, tier, PIXEL_SCALE);
}
