/**
 * The paper's architectures as layer lists (digest section 3), at the paper's size and scaled for small inputs.
 *
 * The 14-layer model (Table 1, "model E" of He & Sun 2014): conv1 7x7/2 64, pool1 3x3/3, conv21-24 2x2 128,
 * pool2 2x2/2, conv31-36 2x2 256, SPP {6,3,2,1}, fc1 4096, fc2 4096, fc3; dropout on fc1 and fc2. The paper
 * states neither padding nor pooling rounding (UNCONFIRMED): here 2x2 convs alternate padding 1 and 0 so each
 * pair keeps the map size, and pooling rounds up as Caffe does.
 */
import type { ActivationKind } from "../nn.ts";
import type { InitScheme } from "../init.ts";
import type { LayerSpec, NetSpec } from "./network.ts";

export interface Small14Options {
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
  extraConv3?: number;
  name?: string;
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

export function small14(o: Small14Options): NetSpec {
  const [w1, w2, w3] = o.widths;
  const conv3 = 6 + (o.extraConv3 ?? 0);
  return {
    name: o.name ?? (o.extraConv3 ? `${14 + o.extraConv3}-layer` : "14-layer"),
    input: o.input,
    classes: o.classes,
    activation: o.activation,
    convInit: o.convInit,
    // The paper's fc initialization: std 0.01, 0.01 and 0.001 (section 4, "fc layers in practice").
    fcInit: [{ kind: "gaussian", std: 0.01 }, { kind: "gaussian", std: 0.01 }, {
      kind: "gaussian",
      std: 0.001,
    }],
    layers: [
      { type: "conv", name: "conv1", filters: w1, kernel: 7, stride: o.conv1Stride, pad: o.conv1Pad },
      { type: "maxpool", name: "pool1", kernel: 3, stride: 3, ceil: true },
      ...stage2x2("conv2", 4, w2),
      { type: "maxpool", name: "pool2", kernel: 2, stride: 2, ceil: true },
      ...stage2x2("conv3", conv3, w3),
      { type: "spp", name: "spp", levels: o.sppLevels },
      { type: "fc", name: "fc1", units: o.fcUnits },
      { type: "dropout", name: "drop1", rate: 0.5 },
      { type: "fc", name: "fc2", units: o.fcUnits },
      { type: "dropout", name: "drop2", rate: 0.5 },
      { type: "fc", name: "fc3", units: o.classes },
    ],
  };
}

/** The paper's 14-layer model on 224x224 ImageNet crops. */
export function paperSmall14(activation: ActivationKind, convInit: InitScheme): NetSpec {
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
  });
}

/**
 * The scaled 14-layer model for 32x32 images (28x28 crops): the same depth, layer order, kernel shapes, SPP and
 * dropout; conv1 at stride 1 (pad 3) since the input is 8x smaller, a 3-level pyramid {4,2,1} for the 5x5 conv3
 * map (the paper's {6,3,2,1} pooled a map about 3x larger than its finest level), and widths divided by `shrink`.
 */
export function scaledSmall14(
  activation: ActivationKind,
  convInit: InitScheme,
  input: [number, number, number],
  classes: number,
  shrink = 4,
  extraConv3 = 0,
): NetSpec {
  return small14({
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
  });
}
