/**
 * Layers with parameters: conv, fully connected, and the rectifier family (ReLU, fixed leaky ReLU, PReLU
 * channel-wise or channel-shared). Each layer lists its Parameters with the optimizer multipliers the paper
 * implies: PReLU slopes have weight decay 0.
 */
import type { Backend } from "./backend.ts";
import { type InitScheme, initWeights, PRELU_INIT_SLOPE } from "./init.ts";
import * as ops from "./ops.ts";
import type { Parameter } from "./optim.ts";
import type { Rng } from "./rng.ts";
import { Tensor } from "./tensor.ts";
import { faultActive } from "./faults.ts";

export interface Layer {
  readonly name: string;
  parameters(): Parameter[];
}

function param(
  backend: Backend,
  name: string,
  data: ArrayLike<number>,
  shape: number[],
  decayMult = 1,
): Parameter {
  const tensor = Tensor.fromArray(backend, data, shape, { requiresGrad: true, name });
  return { tensor, name, lrMult: 1, decayMult };
}

export class Conv2d implements Layer {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    backend: Backend,
    readonly name: string,
    cin: number,
    cout: number,
    kernel: number,
    readonly opts: { stride?: number; pad?: number; init: InitScheme; rng: Rng },
  ) {
    const shape = [cout, cin, kernel, kernel];
    this.weight = param(backend, `${name}.weight`, initWeights(opts.init, shape, opts.rng), shape);
    this.bias = param(backend, `${name}.bias`, new Float32Array(cout), [cout]);
  }

  forward(x: Tensor): Tensor {
    return ops.conv2d(x, this.weight.tensor, this.bias.tensor, this.opts);
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }
}

export class Linear implements Layer {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    backend: Backend,
    readonly name: string,
    din: number,
    dout: number,
    init: InitScheme,
    rng: Rng,
  ) {
    const shape = [dout, din];
    this.weight = param(backend, `${name}.weight`, initWeights(init, shape, rng), shape);
    this.bias = param(backend, `${name}.bias`, new Float32Array(dout), [dout]);
  }

  forward(x: Tensor): Tensor {
    return ops.linear(x.shape.length === 2 ? x : x.flatten(), this.weight.tensor, this.bias.tensor);
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }
}

/** Which rectifier follows a layer (paper Table 2's rows). */
export type ActivationKind = "relu" | "lrelu" | "prelu-shared" | "prelu-channel";

export class Rectifier implements Layer {
  readonly slopes: Parameter | null;

  constructor(
    backend: Backend,
    readonly name: string,
    readonly kind: ActivationKind,
    channels: number,
    readonly leakySlope = PRELU_INIT_SLOPE,
  ) {
    const count = kind === "prelu-channel" ? channels : 1;
    this.slopes = kind.startsWith("prelu")
      ? param(
        backend,
        `${name}.slope`,
        new Float32Array(count).fill(PRELU_INIT_SLOPE),
        [count],
        faultActive("slope-weight-decay") ? 1 : 0,
      )
      : null;
  }

  forward(x: Tensor): Tensor {
    if (this.kind === "relu") return ops.relu(x);
    if (this.kind === "lrelu") return ops.leakyRelu(x, this.leakySlope);
    return ops.prelu(x, this.slopes!.tensor);
  }

  parameters(): Parameter[] {
    return this.slopes ? [this.slopes] : [];
  }
}
