/**
 * Networks described as layer lists, the way the paper's tables describe them: conv (k x k, filters, stride),
 * max pooling, SPP, fc, dropout, with the chosen rectifier after every conv and hidden fc layer. The builder
 * infers every shape, counts parameters and multiply-adds, and splits the net at SPP so dense evaluation can run
 * the conv trunk on a whole image and the head on pooled windows.
 */
import type { Backend } from "../backend.ts";
import { fmtShape, ShapeError } from "../geometry.ts";
import type { InitScheme } from "../init.ts";
import { type ActivationKind, Conv2d, Linear, Rectifier } from "../nn.ts";
import * as ops from "../ops.ts";
import type { Parameter } from "../optim.ts";
import type { Rng } from "../rng.ts";
import type { Tensor } from "../tensor.ts";
import { hash2 } from "../util/hash.ts";

export type LayerSpec =
  | { type: "conv"; name: string; filters: number; kernel: number; stride?: number; pad?: number }
  | { type: "maxpool"; name: string; kernel: number; stride?: number; pad?: number; ceil?: boolean }
  | { type: "spp"; name: string; levels: number[] }
  | { type: "fc"; name: string; units: number }
  | { type: "dropout"; name: string; rate: number };

export interface NetSpec {
  name: string;
  /** [channels, height, width] of the training crop. */
  input: [number, number, number];
  classes: number;
  layers: LayerSpec[];
  /** The rectifier after every conv and every fc except the last. */
  activation: ActivationKind;
  /** Initialization of conv layers, and of each fc layer in order (the paper: 0.01, 0.01, 0.001). */
  convInit: InitScheme;
  fcInit: InitScheme[];
}

export interface LayerInfo {
  name: string;
  type: LayerSpec["type"] | "act";
  /** Output shape without the batch dimension. */
  shape: number[];
  params: number;
  /** Multiply-adds per image. */
  macs: number;
  detail: string;
}

export interface ForwardContext {
  training: boolean;
  /** Seeds the dropout masks of this forward pass. */
  seed: number;
  /** Index of this input's first image in its batch, when it is a micro-batch: dropout masks follow it. */
  firstImage?: number;
  /** When given, every rectifier's output is recorded here under its layer name (for mean responses). */
  taps?: Map<string, Tensor>;
}

function tap(ctx: ForwardContext, name: string, t: Tensor): Tensor {
  ctx.taps?.set(name, t);
  return t;
}

/** Shapes, parameter and multiply-add counts of a spec at its input size, without building it. */
export function describe(spec: NetSpec, input: [number, number, number] = spec.input): LayerInfo[] {
  let shape: number[] = [...input];
  const infos: LayerInfo[] = [];
  const fcLayers = spec.layers.filter((l) => l.type === "fc");
  for (const layer of spec.layers) {
    const where = `${spec.name}/${layer.name}`;
    if (layer.type === "conv") {
      if (shape.length !== 3) {
        throw new ShapeError(`${where}: conv needs a C x H x W input, got ${fmtShape(shape)}`);
      }
      const [c, h, w] = shape;
      const s = layer.stride ?? 1;
      const p = layer.pad ?? 0;
      const oh = Math.floor((h + 2 * p - layer.kernel) / s) + 1;
      const ow = Math.floor((w + 2 * p - layer.kernel) / s) + 1;
      if (oh < 1 || ow < 1) {
        throw new ShapeError(
          `${where}: ${layer.kernel}x${layer.kernel} conv does not fit ${fmtShape(shape)}`,
        );
      }
      shape = [layer.filters, oh, ow];
      const k2c = layer.kernel * layer.kernel * c;
      infos.push({
        name: layer.name,
        type: "conv",
        shape,
        params: layer.filters * k2c + layer.filters,
        macs: layer.filters * k2c * oh * ow,
        detail: `${layer.kernel}x${layer.kernel}, ${layer.filters}${s > 1 ? `, /${s}` : ""}${
          p ? `, pad ${p}` : ""
        }`,
      });
      infos.push(activationInfo(spec, layer.name, shape));
    } else if (layer.type === "maxpool") {
      const [c, h, w] = shape;
      const s = layer.stride ?? layer.kernel;
      const p = layer.pad ?? 0;
      const size = (len: number) => {
        const span = len + 2 * p - layer.kernel;
        if (span < 0) throw new ShapeError(`${where}: pool ${layer.kernel} does not fit ${fmtShape(shape)}`);
        let out = (layer.ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
        if (layer.ceil && (out - 1) * s >= len + p) out--;
        return out;
      };
      shape = [c, size(h), size(w)];
      infos.push({
        name: layer.name,
        type: "maxpool",
        shape,
        params: 0,
        macs: 0,
        detail: `${layer.kernel}x${layer.kernel}, /${s}`,
      });
    } else if (layer.type === "spp") {
      const bins = layer.levels.reduce((a, l) => a + l * l, 0);
      shape = [shape[0] * bins];
      infos.push({
        name: layer.name,
        type: "spp",
        shape,
        params: 0,
        macs: 0,
        detail: `{${layer.levels.join(", ")}}`,
      });
    } else if (layer.type === "fc") {
      const din = shape.reduce((a, b) => a * b, 1);
      shape = [layer.units];
      infos.push({
        name: layer.name,
        type: "fc",
        shape,
        params: din * layer.units + layer.units,
        macs: din * layer.units,
        detail: `${layer.units}`,
      });
      if (layer !== fcLayers[fcLayers.length - 1]) infos.push(activationInfo(spec, layer.name, shape));
    } else {
      infos.push({ name: layer.name, type: "dropout", shape, params: 0, macs: 0, detail: `${layer.rate}` });
    }
  }
  const last = fcLayers[fcLayers.length - 1];
  if (!last || last.units !== spec.classes) {
    throw new ShapeError(`${spec.name}: the last layer must be an fc layer with ${spec.classes} units`);
  }
  return infos;
}

function activationInfo(spec: NetSpec, after: string, shape: number[]): LayerInfo {
  const slopes = spec.activation === "prelu-channel" ? shape[0] : spec.activation === "prelu-shared" ? 1 : 0;
  return { name: `${after}.act`, type: "act", shape, params: slopes, macs: 0, detail: spec.activation };
}

/**
 * Bytes per image of the largest tensor a training step binds: every layer's output and gradient, and each conv
 * layer's input as its kernel reads it (zero-padded). Micro-batches keep batch x this under the binding limit.
 */
export function largestPerImageBytes(spec: NetSpec, input: [number, number, number] = spec.input): number {
  let largest = input.reduce((a, b) => a * b, 1);
  let shape: number[] = [...input];
  const infos = describe(spec, input);
  let at = 0;
  for (const layer of spec.layers) {
    if (layer.type === "conv") {
      const p = layer.pad ?? 0;
      largest = Math.max(largest, shape[0] * (shape[1] + 2 * p) * (shape[2] + 2 * p));
    }
    // describe() lists a rectifier after each conv and hidden fc: its shape is the layer's own.
    shape = infos[at].shape;
    at += layer.type === "conv" || (layer.type === "fc" && infos[at + 1]?.type === "act") ? 2 : 1;
    largest = Math.max(largest, shape.reduce((a, b) => a * b, 1));
  }
  return 4 * largest;
}

export function countParams(infos: LayerInfo[]): number {
  return infos.reduce((a, l) => a + l.params, 0);
}

export function countMacs(infos: LayerInfo[], types: LayerInfo["type"][] = ["conv", "fc"]): number {
  return infos.filter((l) => types.includes(l.type)).reduce((a, l) => a + l.macs, 0);
}

type Step = (x: Tensor, ctx: ForwardContext, window: SppWindowArg) => Tensor;
type SppWindowArg = { top: number; left: number; height: number; width: number } | null;

/** A built network: parameters on a backend and a forward pass; `features` + `head` split it at SPP. */
export class Network {
  readonly layers: LayerInfo[];
  private readonly params: Parameter[] = [];
  private readonly trunk: Step[] = [];
  private readonly headSteps: Step[] = [];
  readonly sppLevels: number[] | null = null;
  /** Named handles to rectifiers, for reading learned slopes and mean responses. */
  readonly rectifiers: Rectifier[] = [];
  readonly convs: Conv2d[] = [];

  constructor(readonly spec: NetSpec, readonly backend: Backend, rng: Rng) {
    this.layers = describe(spec);
    let channels = spec.input[0];
    let fcIndex = 0;
    const fcCount = spec.layers.filter((l) => l.type === "fc").length;
    let steps = this.trunk;
    for (const layer of spec.layers) {
      if (layer.type === "conv") {
        const conv = new Conv2d(backend, layer.name, channels, layer.filters, layer.kernel, {
          stride: layer.stride,
          pad: layer.pad,
          init: spec.convInit,
          rng,
        });
        const act = new Rectifier(backend, `${layer.name}.act`, spec.activation, layer.filters);
        this.params.push(...conv.parameters(), ...act.parameters());
        this.convs.push(conv);
        this.rectifiers.push(act);
        steps.push((x, ctx) => tap(ctx, layer.name, act.forward(conv.forward(x))));
        channels = layer.filters;
      } else if (layer.type === "maxpool") {
        steps.push((x) =>
          ops.maxPool2d(x, layer.kernel, { stride: layer.stride, pad: layer.pad, ceil: layer.ceil })
        );
      } else if (layer.type === "spp") {
        (this as { sppLevels: number[] }).sppLevels = layer.levels;
        steps.push((x, _ctx, window) => ops.spp(x, layer.levels, window));
        steps = this.headSteps;
      } else if (layer.type === "fc") {
        const at = this.layers.findIndex((l) => l.name === layer.name && l.type === "fc");
        const features = this.layers[at - 1].shape.reduce((a, b) => a * b, 1);
        const fc = new Linear(
          backend,
          layer.name,
          features,
          layer.units,
          spec.fcInit[fcIndex] ?? spec.fcInit.at(-1)!,
          rng,
        );
        this.params.push(...fc.parameters());
        const hidden = ++fcIndex < fcCount;
        if (hidden) {
          const act = new Rectifier(backend, `${layer.name}.act`, spec.activation, layer.units);
          this.params.push(...act.parameters());
          this.rectifiers.push(act);
          steps.push((x, ctx) => tap(ctx, layer.name, act.forward(fc.forward(x))));
        } else {
          steps.push((x) => fc.forward(x));
        }
      } else {
        // Each dropout layer gets its own mask stream, a pure function of the step's seed.
        const salt = hash2(0x5eed, steps.length + 1000 * this.params.length);
        steps.push((x, ctx) =>
          ops.dropout(
            x,
            layer.rate,
            hash2(ctx.seed, salt),
            ctx.training,
            (ctx.firstImage ?? 0) * (x.size / x.shape[0]),
          )
        );
      }
    }
  }

  parameters(): Parameter[] {
    return this.params;
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    this.checkInput(x);
    return this.head(this.features(x, ctx, true), ctx, null, true);
  }

  /** The layers up to SPP (exclusive when `throughSpp` is false): the conv trunk. */
  features(x: Tensor, ctx: ForwardContext, throughSpp = false): Tensor {
    let h = x;
    const stop = this.sppLevels && !throughSpp ? this.trunk.length - 1 : this.trunk.length;
    for (let i = 0; i < stop; i++) h = this.trunk[i](h, ctx, null);
    return h;
  }

  /** SPP over `window` of a trunk output: [N, features], what the fc layers take. */
  pool(h: Tensor, ctx: ForwardContext, window: SppWindowArg): Tensor {
    if (!this.sppLevels) throw new Error(`${this.spec.name} has no SPP layer to pool windows with`);
    return this.trunk[this.trunk.length - 1](h, ctx, window);
  }

  /** SPP over `window` of a trunk output (unless already pooled), then the fc layers. */
  head(h: Tensor, ctx: ForwardContext, window: SppWindowArg, pooled = false): Tensor {
    let out = pooled || !this.sppLevels ? h : this.pool(h, ctx, window);
    for (const step of this.headSteps) out = step(out, ctx, null);
    return out;
  }

  private checkInput(x: Tensor): void {
    const [c] = this.spec.input;
    if (x.shape.length !== 4 || x.shape[1] !== c) {
      throw new ShapeError(`${this.spec.name}: input must be [N, ${c}, H, W], got ${fmtShape(x.shape)}`);
    }
  }

  /**
   * Gives every parameter (and gradient) back to the backend and frees its pooled memory: a paper-size model is
   * gigabytes, and an experiment that trains several must not keep the ones it has measured. Unusable after.
   */
  dispose(): void {
    for (const p of this.params) {
      p.tensor.grad?.dispose();
      p.tensor.grad = null;
      p.tensor.dispose();
    }
    this.backend.trim();
  }

  /** Every parameter's values, in order (checkpoints, result records). */
  async readParameters(): Promise<Float64Array[]> {
    return await Promise.all(this.params.map((p) => p.tensor.toArray()));
  }
}
