/**
 * Recipe audits: measurements of what the implementation really does with two details the paper states, the
 * PReLU slope gradient (Eq. 2-3) and no weight decay on the slopes (section 2.1), so a regression in either
 * shows up in the results and in `deno task check` even when a short run's errors would hide it.
 */
import type { Metric } from "../results/result.ts";
import { centreBatch, type Normalization } from "../data/augment.ts";
import { type ImageSet, spreadIndices } from "../data/dataset.ts";
import { ReferenceBackend } from "../reference/backend.ts";
import { Network } from "../models/network.ts";
import * as ops from "../ops.ts";
import { type Parameter, Sgd } from "../optim.ts";
import { Rng } from "../rng.ts";
import { noGrad, Tensor, tidy } from "../tensor.ts";

/**
 * The weight decay applied per step to the PReLU slopes and to the conv/fc weights, measured with one SGD step
 * of learning rate 1, no momentum and zero loss gradients: each parameter then shrinks by exactly its decay.
 * It changes the network's parameters, so call it after everything else.
 */
export async function measuredWeightDecay(
  net: Network,
  weightDecay: number,
): Promise<{ slopes: number | null; weights: number }> {
  const params = net.parameters();
  for (const p of params) p.tensor.grad = Tensor.zeros(p.tensor.backend, p.tensor.shape);
  const slopeParams = params.filter((p) => p.name.endsWith(".slope"));
  const weightParams = params.filter((p) => p.name.endsWith(".weight"));
  const before = await Promise.all([...slopeParams, ...weightParams].map((p) => p.tensor.toArray()));
  const sgd = new Sgd(params, { lr: 1, momentum: 0, weightDecay });
  sgd.step();
  sgd.zeroGrad();
  const after = await Promise.all([...slopeParams, ...weightParams].map((p) => p.tensor.toArray()));
  const shrink = (from: number, to: number) => {
    let num = 0;
    let den = 0;
    for (let k = from; k < to; k++) {
      for (let i = 0; i < before[k].length; i++) {
        num += before[k][i] * (before[k][i] - after[k][i]);
        den += before[k][i] * before[k][i];
      }
    }
    return den > 0 ? num / den : 0;
  };
  return {
    slopes: slopeParams.length ? shrink(0, slopeParams.length) : null,
    weights: shrink(slopeParams.length, before.length),
  };
}

/**
 * Checks the PReLU slope gradient (Eq. 2-3) of the trained network: the derivative of the loss along "every
 * slope + h", back-propagated by the network's own backend (the WGSL kernels), divided by its central finite
 * difference computed on a float64 copy of the network (the CPU reference), on a few images with dropout off.
 * 1 when the gradient is right; null without PReLU slopes.
 */
export async function slopeGradientCheck(
  net: Network,
  x: ArrayLike<number>,
  labels: number[],
  h = 1e-5,
): Promise<number | null> {
  const isSlope = (p: Parameter) => p.name.endsWith(".slope");
  if (!net.parameters().some(isSlope)) return null;
  const ctx = { training: false, seed: 0 };
  const shape = [labels.length, ...net.spec.input];
  const lossOf = (n: Network) =>
    ops.softmaxCrossEntropy(
      n.forward(Tensor.fromArray(n.backend, x, shape), ctx),
      Tensor.fromArray(n.backend, labels, [labels.length]),
    );
  tidy(() => lossOf(net).backward());
  let analytic = 0;
  for (const p of net.parameters()) {
    if (p.tensor.grad && isSlope(p)) analytic += (await p.tensor.grad.toArray()).reduce((a, b) => a + b, 0);
    p.tensor.grad?.dispose();
    p.tensor.grad = null;
  }
  const copy = new Network(net.spec, new ReferenceBackend(), new Rng(0));
  const values = await net.readParameters();
  copy.parameters().forEach((p, i) => copy.backend.write(p.tensor.storage, values[i]));
  const slopes = copy.parameters().map((p, i) => ({ p, i })).filter(({ p }) => isSlope(p));
  const lossAt = async (shift: number) => {
    for (const { p, i } of slopes) copy.backend.write(p.tensor.storage, values[i].map((v) => v + shift));
    return await tidy(() => noGrad(() => lossOf(copy))).item();
  };
  const numeric = (await lossAt(h) - await lossAt(-h)) / (2 * h);
  return numeric === 0 ? null : analytic / numeric;
}

/** The audits' metrics for the regression check: the slope gradient check and the measured weight decays. */
export function auditMetrics(
  kind: string,
  a: { slopeGradient: number[]; slopeDecay: number[]; weightDecay: number[] },
): Record<string, Metric> {
  const out: Record<string, Metric> = {
    [`audit.weightDecay.${kind}`]: {
      values: a.weightDecay,
      floor: 1e-6,
      description: "weight decay applied to conv/fc weights per step, measured (recipe: 5e-4)",
    },
  };
  if (a.slopeGradient.length) {
    out[`audit.slopeGradient.${kind}`] = {
      values: a.slopeGradient,
      floor: 0.05,
      description:
        "back-propagated slope gradient / its finite difference on the trained net (1 = Eq. 2 right)",
    };
  }
  if (a.slopeDecay.length) {
    out[`audit.slopeWeightDecay.${kind}`] = {
      values: a.slopeDecay,
      floor: 1e-6,
      description: "weight decay applied to the slopes per step, measured (paper: none)",
    };
  }
  return out;
}

export interface AuditValues {
  slopeGradient: number[];
  slopeDecay: number[];
  weightDecay: number[];
}

/**
 * Both audits on a trained net: the slope gradient against finite differences on `images` test images (8), then
 * (as it changes the parameters) the measured weight decay.
 */
export async function runAudits(
  net: Network,
  { set: test, side }: { set: ImageSet; side: number },
  norm: Normalization,
  crop: number,
  weightDecay: number,
  images = 8,
): Promise<{ slopeGradient: number | null; slopes: number | null; weights: number }> {
  const probe = spreadIndices(test.count, images);
  const slopeGradient = await slopeGradientCheck(
    net,
    centreBatch(test, probe, side, crop, norm),
    probe.map((i) => test.labels[i]),
  );
  const decay = await measuredWeightDecay(net, weightDecay);
  return { slopeGradient, ...decay };
}

export function addAudit(into: AuditValues, r: Awaited<ReturnType<typeof runAudits>>): void {
  if (r.slopeGradient !== null) into.slopeGradient.push(r.slopeGradient);
  if (r.slopes !== null) into.slopeDecay.push(r.slopes);
  into.weightDecay.push(r.weights);
}
