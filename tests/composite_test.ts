/**
 * A tiny conv-PReLU-pool-SPP-fc-softmax net, built identically on both backends: its loss and every parameter
 * gradient match between WebGPU and the float64 reference, and 20 SGD steps on a fixed batch lower the loss.
 */
import assert from "node:assert/strict";
import type { Backend } from "../lib/backend.ts";
import * as ops from "../lib/ops.ts";
import { Conv2d, Linear, Rectifier } from "../lib/nn.ts";
import { type Parameter, Sgd } from "../lib/optim.ts";
import { Rng } from "../lib/rng.ts";
import { tidy } from "../lib/tensor.ts";
import { compare, randomF32, reference, tensor, webgpu } from "./helpers.ts";

function tinyNet(backend: Backend) {
  const rng = new Rng(5);
  const he = { kind: "he-forward" } as const;
  const conv1 = new Conv2d(backend, "conv1", 3, 6, 3, { pad: 1, init: he, rng });
  const act1 = new Rectifier(backend, "act1", "prelu-channel", 6);
  const conv2 = new Conv2d(backend, "conv2", 6, 5, 2, { init: he, rng });
  const act2 = new Rectifier(backend, "act2", "prelu-shared", 5);
  const fc1 = new Linear(backend, "fc1", 5 * (9 + 4 + 1), 12, he, rng);
  const act3 = new Rectifier(backend, "act3", "prelu-channel", 12);
  const fc2 = new Linear(backend, "fc2", 12, 4, { kind: "gaussian", std: 0.1 }, rng);
  const layers = [conv1, act1, conv2, act2, fc1, act3, fc2];
  const params: Parameter[] = layers.flatMap((l) => l.parameters());
  const forward = (x: ReturnType<typeof tensor>, dropoutSeed: number) => {
    let h = act1.forward(conv1.forward(x));
    h = ops.maxPool2d(h, 2);
    h = act2.forward(conv2.forward(h));
    h = ops.spp(h, [3, 2, 1]);
    h = ops.dropout(act3.forward(fc1.forward(h)), 0.25, dropoutSeed, true);
    return fc2.forward(h);
  };
  return { params, forward };
}

const N = 6;
const inputs = randomF32(N * 3 * 10 * 10, 77);
const labelValues = [0, 1, 2, 3, 1, 2];

Deno.test("composite: loss and every parameter gradient match the float64 reference", async () => {
  const results = [];
  for (const backend of [reference, await webgpu()]) {
    const net = tinyNet(backend);
    results.push(
      await tidy(async () => {
        const loss = ops.softmaxCrossEntropy(
          net.forward(tensor(backend, inputs, [N, 3, 10, 10]), 99),
          tensor(backend, labelValues, [N]),
        );
        loss.backward();
        return {
          loss: await loss.item(),
          grads: await Promise.all(net.params.map((p) => p.tensor.grad!.toArray())),
        };
      }),
    );
  }
  const [want, got] = results;
  assert.ok(
    Math.abs(got.loss - want.loss) < 1e-5 * Math.max(1, want.loss),
    `loss ${got.loss} vs ${want.loss}`,
  );
  want.grads.forEach((g, i) => {
    const e = compare(got.grads[i], g);
    assert.ok(e.normalized < 1e-4, `gradient of parameter ${i}: normalized error ${e.normalized}`);
  });
});

for (const backendName of ["reference", "webgpu"] as const) {
  Deno.test(`composite: 20 SGD steps on a fixed batch lower the loss by half (${backendName})`, async () => {
    const backend = backendName === "reference" ? reference : await webgpu();
    const net = tinyNet(backend);
    const sgd = new Sgd(net.params, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
    const x = tensor(backend, inputs, [N, 3, 10, 10]);
    const y = tensor(backend, labelValues, [N]);
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      const loss = tidy(() => {
        const l = ops.softmaxCrossEntropy(net.forward(x, step), y);
        l.backward();
        sgd.step();
        sgd.zeroGrad();
        return l;
      });
      losses.push(await loss.item());
      loss.dispose();
    }
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[19] < 0.5 * losses[0], `loss went from ${losses[0]} to ${losses[19]}`);
    // PReLU slopes are excluded from weight decay, as the paper requires.
    assert.ok(net.params.filter((p) => p.name.endsWith(".slope")).every((p) => p.decayMult === 0));
  });
}
