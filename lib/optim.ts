/**
 * SGD with momentum over a parameter list, on the device. Each parameter carries learning-rate and weight-decay
 * multipliers (Caffe's lr_mult / decay_mult): PReLU slopes get decay 0, as the paper requires ("weight decay
 * tends to push a_i to zero, and thus biases PReLU toward ReLU").
 */
import type { Storage } from "./backend.ts";
import type { Tensor } from "./tensor.ts";

export interface Parameter {
  tensor: Tensor;
  name: string;
  lrMult: number;
  decayMult: number;
}

export interface SgdOptions {
  lr: number;
  momentum: number;
  weightDecay: number;
}

export class Sgd {
  private readonly velocity = new Map<Tensor, Storage>();

  constructor(readonly params: Parameter[], public options: SgdOptions) {
    for (const p of params) {
      if (!p.tensor.requiresGrad) throw new Error(`Sgd: parameter ${p.name} does not require grad`);
      this.velocity.set(p.tensor, p.tensor.backend.zeros(p.tensor.size));
    }
  }

  /** One update from the gradients accumulated by backward(); parameters without a gradient are skipped. */
  step(): void {
    const { lr, momentum, weightDecay } = this.options;
    for (const p of this.params) {
      if (!p.tensor.grad) continue;
      p.tensor.backend.sgdUpdate(
        p.tensor.storage,
        p.tensor.grad.storage,
        this.velocity.get(p.tensor)!,
        lr * p.lrMult,
        momentum,
        weightDecay * p.decayMult,
      );
    }
  }

  zeroGrad(): void {
    for (const p of this.params) {
      p.tensor.grad?.dispose();
      p.tensor.grad = null;
    }
  }

  /** Restores momentum buffers saved from velocityStorages(). */
  setVelocities(values: ArrayLike<number>[]): void {
    this.params.forEach((p, i) => p.tensor.backend.write(this.velocity.get(p.tensor)!, values[i]));
  }

  /** The momentum buffers themselves, in parameter order (a checkpoint reads them one at a time). */
  velocityStorages(): Storage[] {
    return this.params.map((p) => this.velocity.get(p.tensor)!);
  }

  /** Gives the momentum buffers back to the backend: as large as the parameters, they outlive no training. */
  dispose(): void {
    for (const p of this.params) p.tensor.backend.release(this.velocity.get(p.tensor)!);
    this.velocity.clear();
  }
}
