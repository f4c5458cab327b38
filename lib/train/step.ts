/**
 * One SGD step on a batch, with the epoch's loss and top-1 count accumulated on the device (read back only every
 * few steps), and the guard that stops a diverging run.
 */
import type { Backend } from "../backend.ts";
import type { Network } from "../models/network.ts";
import * as ops from "../ops.ts";
import type { Sgd } from "../optim.ts";
import { keep, Tensor, tidy } from "../tensor.ts";
import type { Batch } from "./batches.ts";

export class NonFiniteLossError extends ops.NonFiniteError {}

/** Device-side sums of the loss and of [top-1, top-5] correct counts over the steps of an epoch. */
export class Accumulators {
  private lossSum: Tensor;
  private counts: Tensor;

  constructor(backend: Backend, loss = 0, correct = 0) {
    this.lossSum = Tensor.fromArray(backend, [loss], [1]);
    this.counts = Tensor.fromArray(backend, [correct, 0], [2]);
  }

  add(loss: Tensor, counts: Tensor): { loss: Tensor; counts: Tensor } {
    return { loss: keep(ops.add(this.lossSum, loss)), counts: keep(ops.add(this.counts, counts)) };
  }

  replace(next: { loss: Tensor; counts: Tensor }): void {
    this.lossSum.dispose();
    this.counts.dispose();
    this.lossSum = next.loss;
    this.counts = next.counts;
  }

  async loss(): Promise<number> {
    return (await this.lossSum.toArray())[0];
  }

  async correct(): Promise<number> {
    return (await this.counts.toArray())[0];
  }

  dispose(): void {
    this.lossSum.dispose();
    this.counts.dispose();
  }
}

/**
 * Forward, cross-entropy, backward and one SGD update; the loss and counts join `acc`. With `microBatch` smaller
 * than the batch, the batch runs through the net in slices whose gradients add up before the one update: each
 * slice's mean loss weighted by its share of the batch, dropout masks placed as in the whole batch. Exact for
 * these models, which have no batch statistics; only the order of the floating-point sums changes.
 *
 * With `stop`, a step of several slices waits for each slice and gives up between two of them when a stop is
 * requested (a paper-size step takes minutes): the gradients are dropped and neither the parameters nor `acc`
 * change, so the step can be checkpointed as not taken. Returns whether the step was taken.
 */
export async function sgdStep(
  net: Network,
  sgd: Sgd,
  batch: Batch,
  channels: number,
  crop: number,
  acc: Accumulators,
  microBatch = batch.labels.length,
  stop?: { requested: boolean },
): Promise<boolean> {
  const n = batch.labels.length;
  const per = channels * crop * crop;
  // This step's own sums, added to `acc` once its update is made.
  type Sums = { loss: Tensor; counts: Tensor };
  let sums: Sums | null = null;
  const drop = (x: Sums | null) => {
    x?.loss.dispose();
    x?.counts.dispose();
  };
  for (let first = 0; first < n; first += microBatch) {
    if (sums && stop) {
      await sums.loss.toArray(); // the device has finished the slices so far
      if (stop.requested) {
        sgd.zeroGrad();
        drop(sums);
        return false;
      }
    }
    const last = Math.min(first + microBatch, n);
    const previous: Sums | null = sums;
    const next: Sums = tidy((): Sums => {
      const m = last - first;
      const xs = Tensor.fromArray(net.backend, batch.x.subarray(first * per, last * per), [
        m,
        channels,
        crop,
        crop,
      ]);
      const ys = Tensor.fromArray(net.backend, batch.labels.slice(first, last), [m]);
      const logits = net.forward(xs, { training: true, seed: batch.dropoutSeed, firstImage: first });
      const mean = ops.softmaxCrossEntropy(logits, ys);
      const loss = m === n ? mean : ops.scale(mean, m / n);
      const correct = ops.topkCorrect(logits, ys, 5);
      loss.backward();
      if (last === n) {
        sgd.step();
        sgd.zeroGrad();
      }
      return previous
        ? { loss: keep(ops.add(previous.loss, loss)), counts: keep(ops.add(previous.counts, correct)) }
        : { loss: keep(loss), counts: keep(correct) };
    });
    drop(previous);
    sums = next;
  }
  const total = sums!;
  acc.replace(tidy(() => acc.add(total.loss, total.counts)));
  drop(total);
  return true;
}

/** Images per micro-batch that keep every per-image tensor of `infos` under `limitBytes` (the whole batch if it fits). */
export function microBatchFor(perImageBytes: number, batch: number, limitBytes: number): number {
  const fits = Math.floor(limitBytes / perImageBytes);
  if (fits < 1) {
    throw new Error(
      `one image needs ${
        (perImageBytes / 2 ** 20).toFixed(0)
      } MiB in its largest tensor, over the adapter's ` +
        `binding limit of ${(limitBytes / 2 ** 20).toFixed(0)} MiB: use a smaller input size`,
    );
  }
  if (fits >= batch) return batch;
  // Equal slices: the fewest that fit, e.g. 128 in 4 x 32 rather than 3 x 42 + 2.
  const slices = Math.ceil(batch / fits);
  return Math.ceil(batch / slices);
}

/** Throws (after freeing the accumulators) when the summed loss is NaN or Inf. */
export function checkFinite(
  lossSum: number,
  epoch: number,
  step: number,
  checkpointPath: string | null,
  acc: Accumulators,
): void {
  if (Number.isFinite(lossSum)) return;
  acc.dispose();
  throw new NonFiniteLossError(
    `training loss became ${lossSum} in epoch ${epoch + 1}, at or before step ${step}: training diverged. ` +
      `The last good checkpoint is kept${checkpointPath ? ` (${checkpointPath})` : ""}; lower the ` +
      `learning rate or check the initialization.`,
  );
}
