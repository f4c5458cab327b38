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
import { describe, type LayerSpec, type NetSpec } from "./network.ts";

/** The paper's fc initialization: std 0.01, 0.01 and 0.001 (section 4, "fc layers in practice"). */
const PAPER_FC_STDS = [0.01, 0.01, 0.001];

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

function head(sppLevels: number[], fcUnits: number, classes: number): LayerSpec[] {
  return [
    { type: "spp", name: "spp", levels: sppLevels },
    { type: "fc", name: "fc1", units: fcUnits },
    { type: "dropout", name: "drop1", rate: 0.5 },
    { type: "fc", name: "fc2", units: fcUnits },
    { type: "dropout", name: "drop2", rate: 0.5 },
    { type: "fc", name: "fc3", units: classes },
  ];
}

const PAPER_FC_INIT: InitScheme[] = PAPER_FC_STDS.map((std) => ({ kind: "gaussian", std }));

/** The paper's 14-layer model on 224x224 ImageNet crops; `extraConv3` = 16 gives the 30-layer model. */
export function paperSmall14(activation: ActivationKind, convInit: InitScheme, extraConv3 = 0): NetSpec {
  return small14({
    activation,
    convInit,
    input: [3, 224, 224],
    classes: 1000,
    widths: [64, 128, 256],
    fcUnits: 4096,
    conv1Stride: 2,
    conv1Pad: 0,
    sppLevels: [6, 3, 2, 1],
    extraConv3,
    fcInit: PAPER_FC_INIT,
  });
}

/**
 * The scaled 14-layer model for 32x32 images (28x28 crops): the same depth, layer order, kernel shapes, SPP and
 * dropout; conv1 at stride 1 (pad 3) since the input is 8x smaller, a 3-level pyramid {4,2,1} for the 5x5 conv3
 * map (the paper's {6,3,2,1} pooled a map about 3x larger than its finest level), widths divided by `shrink`,
 * and fc stds that keep each fc layer's gain as in the paper (see fcInitKeepingGain).
 */
export function scaledSmall14(
  activation: ActivationKind,
  convInit: InitScheme,
  input: [number, number, number],
  classes: number,
  shrink = 4,
  extraConv3 = 0,
): NetSpec {
  const spec = small14({
    activation,
    convInit,
    input,
    classes,
    widths: [64 / shrink, 128 / shrink, 256 / shrink],
    fcUnits: 4096 / (2 * shrink * shrink) >= 64 ? 4096 / (2 * shrink * shrink) : 64,
    conv1Stride: 1,
    conv1Pad: 3,
    sppLevels: [4, 2, 1],
    extraConv3,
    fcInit: PAPER_FC_INIT,
  });
  return { ...spec, fcInit: fcInitKeepingGain(spec, paperSmall14(activation, convInit, extraConv3)) };
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

/** A Table 3 model at the paper's size: 224x224 crops, 1000 classes. */
export function paperLarge(model: LargeModel, activation: ActivationKind, convInit: InitScheme): NetSpec {
  if (model === "vgg19") return vgg19(activation, convInit);
  return large(model, {
    activation,
    convInit,
    input: [3, 224, 224],
    classes: 1000,
    ...LARGE[model],
    fcUnits: 4096,
    sppLevels: [7, 3, 2, 1],
    fcInit: PAPER_FC_INIT,
  });
}

/**
 * A Table 3 model scaled for 28x28 crops: the paper's stage structure and depth, conv1 7x7/2 and the 2x2/2 pools
 * as in the paper (so the stages run at 7, 4 and 2 instead of 56, 28 and 14), widths (and fc units) divided by
 * `shrink`, SPP {2,1} on the 2x2 map (the paper's {7,3,2,1} pools a 14x14 map), and fc stds keeping each fc
 * layer's gain as in the paper.
 */
export function scaledLarge(
  model: Exclude<LargeModel, "vgg19">,
  activation: ActivationKind,
  convInit: InitScheme,
  input: [number, number, number],
  classes: number,
  shrink = 16,
): NetSpec {
  const { widths, perStage } = LARGE[model];
  const spec = large(model, {
    activation,
    convInit,
    input,
    classes,
    widths: widths.map((w) => Math.max(1, Math.round(w / shrink))) as [number, number, number, number],
    perStage,
    fcUnits: 4096 / shrink,
    sppLevels: [2, 1],
    fcInit: PAPER_FC_INIT,
  });
  return { ...spec, fcInit: fcInitKeepingGain(spec, paperLarge(model, activation, convInit)) };
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
