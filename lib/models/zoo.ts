/**
 * The paper's architectures as layer lists (digest section 3), at the paper's size and scaled for small inputs.
 *
 * The 14-layer model (Table 1, "model E" of He & Sun 2014): conv1 7x7/2 64, pool1 3x3/3, conv21-24 2x2 128,
 * pool2 2x2/2, conv31-36 2x2 256, SPP {6,3,2,1}, fc1 4096, fc2 4096, fc3; dropout on fc1 and fc2. The paper
 * states neither padding nor pooling rounding (UNCONFIRMED): here 2x2 convs alternate padding 1 and 0 so each
 * pair keeps the map size, and pooling rounds up as Caffe does. The 30-layer model adds 16 more 2x2 256 convs,
 * placed (UNCONFIRMED) at the end of the conv3 stage, the only stage with 256 filters.
 *
 * The large models (Table 3): VGG-19 as the paper lists it, and models A, B and C: conv1 7x7/2, a 2x2/2 max
 * pool, three stages of 3x3 convs (5 per stage in A, 6 in B and C; C wider) separated by 2x2/2 max pools, SPP
 * {7,3,2,1}, fc 4096, 4096, 1000. 3x3 convs pad 1 and conv1 pads 3 (UNCONFIRMED; these give the listed map
 * sizes 112/56/28/14).
 */
import type { ActivationKind } from "../nn.ts";
import type { InitScheme } from "../init.ts";
import { RECIPE } from "../paper/facts.ts";
import { describe, type LayerSpec, type NetSpec } from "./network.ts";

/** The paper's fc initialization (section 4, "fc layers in practice"). */
const PAPER_FC_STDS = RECIPE.fcStds;

// ---------------------------------------------------------------- the 14-layer family

interface Small14Options {
  activation: ActivationKind;
  convInit: InitScheme;
  /** Input [channels, side, side] of the training crop. */
  input: [number, number, number];
  classes: number;
  /** Filters of conv1, the conv2 stage and the conv3 stage (paper: 64, 128, 256). */
  widths: [number, number, number];
  /** Units of fc1 and fc2 (paper: 4096). */
  fcUnits: number;
  /** conv1 stride (paper: 2 on 224 inputs). */
  conv1Stride: number;
  /** conv1 padding (paper: unstated). */
  conv1Pad: number;
  sppLevels: number[];
  /** Extra 2x2 conv layers appended to the conv3 stage (the 30-layer model adds 16). */
  extraConv3: number;
  fcInit: InitScheme[];
}

/** Conv layers of a 2x2 stage: padding alternates 1, 0 so the map grows by one and shrinks back. */
function stage2x2(prefix: string, count: number, filters: number): LayerSpec[] {
  return Array.from({ length: count }, (_, i): LayerSpec => ({
    type: "conv",
    name: `${prefix}${i + 1}`,
    filters,
    kernel: 2,
    pad: i % 2 === 0 ? 1 : 0,
  }));
}

function small14(o: Small14Options): NetSpec {
  const [w1, w2, w3] = o.widths;
  return {
    name: o.extraConv3 ? `${14 + o.extraConv3}-layer` : "14-layer",
    input: o.input,
    classes: o.classes,
    activation: o.activation,
    convInit: o.convInit,
    fcInit: o.fcInit,
    layers: [
      { type: "conv", name: "conv1", filters: w1, kernel: 7, stride: o.conv1Stride, pad: o.conv1Pad },
      { type: "maxpool", name: "pool1", kernel: 3, stride: 3, ceil: true },
      ...stage2x2("conv2", 4, w2),
      { type: "maxpool", name: "pool2", kernel: 2, stride: 2, ceil: true },
      ...stage2x2("conv3", 6 + o.extraConv3, w3),
      ...head(o.sppLevels, o.fcUnits, o.classes),
    ],
  };
}

/** SPP, then fc1 and fc2 (with dropout when the rate is above 0) and the classifier fc3. */
function head(sppLevels: number[], fcUnits: number, classes: number, dropout = 0.5): LayerSpec[] {
  const drop = (name: string): LayerSpec[] => dropout > 0 ? [{ type: "dropout", name, rate: dropout }] : [];
  return [
    { type: "spp", name: "spp", levels: sppLevels },
    { type: "fc", name: "fc1", units: fcUnits },
    ...drop("drop1"),
    { type: "fc", name: "fc2", units: fcUnits },
    ...drop("drop2"),
    { type: "fc", name: "fc3", units: classes },
  ];
}

const PAPER_FC_INIT: InitScheme[] = PAPER_FC_STDS.map((std) => ({ kind: "gaussian", std }));

/**
 * The paper's 14-layer model on 224x224 crops; `extraConv3` = 16 gives the 30-layer model. `classes` is
 * ImageNet's 1000 unless a folder with another class count is trained.
 */
export function paperSmall14(
  activation: ActivationKind,
  convInit: InitScheme,
  extraConv3 = 0,
  classes = 1000,
): NetSpec {
  return small14({
    activation,
    convInit,
    input: [3, 224, 224],
    classes,
    widths: [64, 128, 256],
    fcUnits: 4096,
    conv1Stride: 2,
    conv1Pad: 0,
    sppLevels: [6, 3, 2, 1],
    extraConv3,
    fcInit: PAPER_FC_INIT,
  });
}

/** How a model is scaled for 32x32 images: the widths, the fc head and its initialization, dropout. */
export interface Scaling {
  /** Filters of conv1 and of each conv stage. */
  widths: number[];
  /** Units of fc1 and fc2 (paper: 4096). */
  fcUnits: number;
  /** Dropout on fc1 and fc2 (paper: 0.5). */
  dropout: number;
  /**
   * fc initialization: "paper" keeps the paper's stds 0.01, 0.01, 0.001 as gains at the smaller fan-ins
   * (fcInitKeepingGain); "he" gives the fc layers He's init (forward form); "he-hidden" gives fc1 and fc2
   * He's init and keeps the paper's small classifier std (as a gain), so the logits start near uniform;
   * "he-zero" gives fc1 and fc2 He's init and starts the classifier at zero (the limit of the paper's 0.001), so
   * the logits start exactly uniform and its first steps fit the class means of the features.
   */
  head: "paper" | "he" | "he-hidden" | "he-zero";
}

/** How a scaling reads in a result's list of differences. */
export function scalingText(s: Scaling): string {
  return `widths ${s.widths.join("/")}, fc ${s.fcUnits}, dropout ${s.dropout}, ${
    {
      he: "He init on the fc layers",
      "he-hidden": "He init on fc1 and fc2, the paper's classifier std kept as a gain",
      "he-zero": "He init on fc1 and fc2, the classifier at zero",
      paper: "the paper's fc stds kept as gains",
    }[s.head]
  }`;
}

/** The SPP levels for a 32x32 net's last conv map (4x4 on 28x28 crops): the paper's pyramid, cut to fit. */
export const SPP_32PX = [4, 2, 1];

/**
 * The fc layers' init: the paper's stds kept as gains, or He's forward form (fan-in): with the backward form a
 * classifier's small fan-out (10 classes) would give it a std of sqrt(2/10) and logits far too large.
 */
function headInit(spec: NetSpec, paper: NetSpec, scaling: Scaling): InitScheme[] {
  if (scaling.head === "paper") return fcInitKeepingGain(spec, paper);
  const he = spec.fcInit.map((): InitScheme => ({ kind: "he-forward" }));
  if (scaling.head === "he") return he;
  const classifier: InitScheme = scaling.head === "he-zero"
    ? { kind: "gaussian", std: 0 }
    : fcInitKeepingGain(spec, paper).at(-1)!;
  return [...he.slice(0, -1), classifier];
}

/**
 * The 14-layer model for 32x32 images (28x28 crops): conv1 7x7/2 (pad 3), pool1 2x2/2, conv21-24 2x2, pool2
 * 2x2/2, conv31-36 2x2, SPP {4,2,1}, fc1, fc2, fc3, so its three stages run at 14, 7 and 4 (16, 8 and 4 on whole
 * images) as the paper's run at 109, 36 and 18. pool1 is 2x2/2 instead of 3x3/3: a 3x3/3 pool on the 14x14 map
 * would leave the conv3 stage at 2x2. `extraConv3` = 16 gives the 30-layer model.
 */
export function scaledSmall14(
  activation: ActivationKind,
  convInit: InitScheme,
  input: [number, number, number],
  classes: number,
  scaling: Scaling,
  extraConv3 = 0,
): NetSpec {
  const [w1, w2, w3] = scaling.widths;
  const spec: NetSpec = {
    name: extraConv3 ? `${14 + extraConv3}-layer` : "14-layer",
    input,
    classes,
    activation,
    convInit,
    fcInit: PAPER_FC_INIT,
    layers: [
      { type: "conv", name: "conv1", filters: w1, kernel: 7, stride: 2, pad: 3 },
      { type: "maxpool", name: "pool1", kernel: 2, stride: 2, ceil: true },
      ...stage2x2("conv2", 4, w2),
      { type: "maxpool", name: "pool2", kernel: 2, stride: 2, ceil: true },
      ...stage2x2("conv3", 6 + extraConv3, w3),
      ...head(SPP_32PX, scaling.fcUnits, classes, scaling.dropout),
    ],
  };
  return { ...spec, fcInit: headInit(spec, paperSmall14(activation, convInit, extraConv3), scaling) };
}

// ---------------------------------------------------------------- the large models (Table 3)

export type LargeModel = "vgg19" | "A" | "B" | "C";
export const LARGE_MODELS: LargeModel[] = ["vgg19", "A", "B", "C"];

/** Filters of conv1 and of the three 3x3 stages, and convs per stage (Table 3). */
const LARGE: Record<
  Exclude<LargeModel, "vgg19">,
  { widths: [number, number, number, number]; perStage: number }
> = {
  A: { widths: [96, 256, 512, 512], perStage: 5 },
  B: { widths: [96, 256, 512, 512], perStage: 6 },
  C: { widths: [96, 384, 768, 896], perStage: 6 },
};

function stage3x3(prefix: string, count: number, filters: number): LayerSpec[] {
  return Array.from({ length: count }, (_, i): LayerSpec => ({
    type: "conv",
    name: `${prefix}_${i + 1}`,
    filters,
    kernel: 3,
    pad: 1,
  }));
}

const pool2 = (name: string): LayerSpec => ({ type: "maxpool", name, kernel: 2, stride: 2, ceil: true });

interface LargeOptions {
  activation: ActivationKind;
  convInit: InitScheme;
  input: [number, number, number];
  classes: number;
  widths: [number, number, number, number];
  perStage: number;
  fcUnits: number;
  sppLevels: number[];
  fcInit: InitScheme[];
}

function large(model: Exclude<LargeModel, "vgg19">, o: LargeOptions): NetSpec {
  const [w1, s2, s3, s4] = o.widths;
  return {
    name: `model ${model}`,
    input: o.input,
    classes: o.classes,
    activation: o.activation,
    convInit: o.convInit,
    fcInit: o.fcInit,
    layers: [
      { type: "conv", name: "conv1", filters: w1, kernel: 7, stride: 2, pad: 3 },
      pool2("pool1"),
      ...stage3x3("conv2", o.perStage, s2),
      pool2("pool2"),
      ...stage3x3("conv3", o.perStage, s3),
      pool2("pool3"),
      ...stage3x3("conv4", o.perStage, s4),
      ...head(o.sppLevels, o.fcUnits, o.classes),
    ],
  };
}

/** VGG-19 as Table 3 lists it: 16 3x3 convs in five stages, a final 2x2 pool, fc 4096, 4096, 1000. */
function vgg19(activation: ActivationKind, convInit: InitScheme): NetSpec {
  const stages: [number, number][] = [[64, 2], [128, 2], [256, 4], [512, 4], [512, 4]];
  const layers: LayerSpec[] = stages.flatMap(([filters, count], s) => [
    ...stage3x3(`conv${s + 1}`, count, filters),
    pool2(`pool${s + 1}`),
  ]);
  const fc = head([1], 4096, 1000).filter((l) => l.type !== "spp");
  return {
    name: "VGG-19",
    input: [3, 224, 224],
    classes: 1000,
    activation,
    convInit,
    fcInit: PAPER_FC_INIT,
    layers: [...layers, ...fc],
  };
}

/** A Table 3 model at the paper's size: 224x224 crops, 1000 classes (or a folder's count; not for VGG-19). */
export function paperLarge(
  model: LargeModel,
  activation: ActivationKind,
  convInit: InitScheme,
  classes = 1000,
): NetSpec {
  if (model === "vgg19") return vgg19(activation, convInit);
  return large(model, {
    activation,
    convInit,
    input: [3, 224, 224],
    classes,
    ...LARGE[model],
    fcUnits: 4096,
    sppLevels: [7, 3, 2, 1],
    fcInit: PAPER_FC_INIT,
  });
}

/**
 * A Table 3 model for 32x32 images (28x28 crops): conv1 7x7/2 (pad 3) and three stages of 3x3 convs (5 per stage
 * in A, 6 in B and C) at 14, 7 and 4 separated by 2x2/2 max pools, SPP {4,2,1}, fc1, fc2, fc3. The paper's pool
 * between conv1 and the first stage is left out: with it the stages would run at 7, 4 and 2. `scaling.widths` are
 * conv1 and the three stages for model A and B; C widens the stages by the paper's ratios (384/256, 768/512,
 * 896/512), so C costs about 2.3x B as in Table 3.
 */
export function scaledLarge(
  model: Exclude<LargeModel, "vgg19">,
  activation: ActivationKind,
  convInit: InitScheme,
  input: [number, number, number],
  classes: number,
  scaling: Scaling,
): NetSpec {
  const { perStage } = LARGE[model];
  const [w1, ...stages] = scaling.widths;
  const widen = model === "C" ? [384 / 256, 768 / 512, 896 / 512] : [1, 1, 1];
  const [s2, s3, s4] = stages.map((w, i) => Math.round(w * widen[i]));
  const spec: NetSpec = {
    name: `model ${model}`,
    input,
    classes,
    activation,
    convInit,
    fcInit: PAPER_FC_INIT,
    layers: [
      { type: "conv", name: "conv1", filters: w1, kernel: 7, stride: 2, pad: 3 },
      ...stage3x3("conv2", perStage, s2),
      pool2("pool2"),
      ...stage3x3("conv3", perStage, s3),
      pool2("pool3"),
      ...stage3x3("conv4", perStage, s4),
      ...head(SPP_32PX, scaling.fcUnits, classes, scaling.dropout),
    ],
  };
  return { ...spec, fcInit: headInit(spec, paperLarge(model, activation, convInit), scaling) };
}

// ---------------------------------------------------------------- fc initialization when scaling

/**
 * The paper's fc stds (0.01, 0.01, 0.001) are tied to its widths: what they fix is each layer's gain
 * n * std^2 (n = fan-in), chosen below He's 2 so that the logits start small. A scaled model with fan-ins n'
 * keeps those gains with std' = std * sqrt(n / n'); the plain 0.01 on a 64-input layer would instead shrink
 * the signal about 8x more per layer than in the paper.
 */
export function fcInitKeepingGain(scaled: NetSpec, paper: NetSpec): InitScheme[] {
  const fanIns = (spec: NetSpec) =>
    describe(spec).filter((l) => l.type === "fc").map((l) => l.params / l.shape[0] - 1);
  const ours = fanIns(scaled);
  const theirs = fanIns(paper);
  if (ours.length !== theirs.length) {
    throw new Error(
      `fcInitKeepingGain: ${scaled.name} has ${ours.length} fc layers, the paper's ${theirs.length}`,
    );
  }
  return paper.fcInit.map((scheme, i) => {
    if (scheme.kind !== "gaussian") return scheme;
    return { kind: "gaussian", std: scheme.std * Math.sqrt(theirs[i] / ours[i]) };
  });
}
