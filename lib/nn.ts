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

/**
 * WebGPU's default maxStorageBufferBindingSize, which every adapter supports (lavapipe's is exactly this).
 * Weights are split by this fixed size, not by the adapter's own limit, so a network has the same parameters
 * (and checkpoints) on every backend.
 */
export const PORTABLE_BINDING_BYTES = 128 * 2 ** 20;

/**
 * A fully connected layer. A weight larger than every adapter can bind in one buffer (the paper's fc1 of 12800 x
 * 4096 floats is 210 MB) is stored in row blocks, each with its slice of the bias, and the blocks' outputs are
 * joined: the same values and gradients as one matrix, drawn from the same init.
 */
export class Linear implements Layer {
  readonly weights: Parameter[];
  readonly biases: Parameter[];

  constructor(
    backend: Backend,
    readonly name: string,
    din: number,
    dout: number,
    init: InitScheme,
    rng: Rng,
    maxBytes = PORTABLE_BINDING_BYTES,
  ) {
    const all = initWeights(init, [dout, din], rng);
    const blocks = Math.ceil((dout * din * 4) / maxBytes);
    if (Math.floor(maxBytes / (din * 4)) < 1) {
      throw new Error(`${name}: one row of ${din} weights is over the adapter's binding limit`);
    }
    if (blocks <= 1) {
      this.weights = [param(backend, `${name}.weight`, all, [dout, din])];
      this.biases = [param(backend, `${name}.bias`, new Float32Array(dout), [dout])];
      return;
    }
    const rows = Math.ceil(dout / blocks);
    this.weights = [];
    this.biases = [];
    for (let first = 0; first < dout; first += rows) {
      const n = Math.min(rows, dout - first);
      const tag = `${name}.rows${first}-${first + n - 1}`;
      this.weights.push(
        param(backend, `${tag}.weight`, all.subarray(first * din, (first + n) * din), [n, din]),
      );
      this.biases.push(param(backend, `${tag}.bias`, new Float32Array(n), [n]));
    }
  }

  forward(x: Tensor): Tensor {
    const flat = x.shape.length === 2 ? x : x.flatten();
    if (this.weights.length === 1) return ops.linear(flat, this.weights[0].tensor, this.biases[0].tensor);
    return ops.concatColumns(this.weights.map((w, k) => ops.linear(flat, w.tensor, this.biases[k].tensor)));
  }

  parameters(): Parameter[] {
    return this.weights.flatMap((w, k) => [w, this.biases[k]]);
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
