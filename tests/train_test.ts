/**
 * The training pipeline on synthetic data: it learns; a run killed mid-epoch or stopped (Ctrl-C) resumes to
 * exactly the same parameters and curves as an uninterrupted run; a diverging run stops with a clear error and
 * keeps the last good checkpoint.
 */
import assert from "node:assert/strict";
import { channelMean, pcaBasis } from "../lib/data/augment.ts";
import { syntheticImages } from "../lib/data/synthetic.ts";
import type { DataSet } from "../lib/data/dataset.ts";
import type { LoadedData } from "../lib/experiments/data.ts";
import { type NetSpec, Network } from "../lib/models/network.ts";
import { Rng } from "../lib/rng.ts";
import { loadCheckpoint } from "../lib/train/checkpoint.ts";
import { advance, initialSchedule, type ScheduleSpec, stepRate, warmedRate } from "../lib/train/schedule.ts";
import { balancedEpochOrder } from "../lib/train/batches.ts";
import { Accumulators, sgdStep } from "../lib/train/step.ts";
import { Sgd } from "../lib/optim.ts";
import { logitSpread, measureLogitSpread, scaleClassifier } from "../lib/train/calibrate.ts";
import {
  PAPER_BALANCED_TEXT,
  PAPER_LR,
  paperRecipe,
  recipeChoiceText,
  type RecipeOptions,
  recipeTag,
} from "../lib/experiments/recipe.ts";
import { SMALL_TIERS, smallLabel } from "../lib/experiments/small_family.ts";
import { LARGE_TIERS, largeLabel } from "../lib/experiments/large_family.ts";
import { evalSteps, NonFiniteLossError, train, type TrainConfig } from "../lib/train/trainer.ts";
import type { Backend } from "../lib/backend.ts";
import { getEngine } from "../lib/webgpu/engine.ts";
import { TOY_SPEC, webgpu } from "./helpers.ts";

const trainSet = syntheticImages({ count: 192, classes: 4, size: 12, seed: 1 });
const valSet = syntheticImages({ count: 32, classes: 4, size: 12, seed: 2 });

const spec = TOY_SPEC;

function config(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    epochs: 3,
    batchSize: 16,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: { kind: "steps", base: 0.01, milestones: [2], factor: 0.1 },
    augment: { crop: 10, scale: [12, 13], flip: true, pcaStd: 0.1 },
    norm: { mean: channelMean(trainSet), scale: 1 / 64 },
    pca: pcaBasis(trainSet),
    seed: 3,
    val: { views: "center", side: 12, crop: 10, batchSize: 16 },
    evalPoints: 5,
    readEvery: 2,
    ...overrides,
  };
}

const quiet = { progress: "none" as const, log: () => {} };

async function run(backend: Backend, hooks: Parameters<typeof train>[4] = {}, cfg = config()) {
  const net = new Network(spec, backend, new Rng(11));
  const result = await train(net, trainSet, valSet, cfg, { ...quiet, ...hooks });
  return { net, result, params: await net.readParameters() };
}

function tmpCheckpoint(): string {
  return `${Deno.makeTempDirSync()}/checkpoint.ckpt`;
}

Deno.test("train: learns the synthetic task and records curves", async () => {
  const { result } = await run(await webgpu());
  assert.equal(result.epochs.length, 3);
  assert.ok(result.epochs[2].trainLoss < result.epochs[0].trainLoss, "train loss falls");
  assert.ok(
    result.epochs[2].valTop1Err < 0.25,
    `val error ${result.epochs[2].valTop1Err} well below chance (0.75)`,
  );
  assert.deepEqual(result.points.map((p) => p.epoch), [0, 0.5, 1, 1.5, 2, 2.5, 3]);
  assert.equal(result.epochs[2].lr, 0.001, "the step schedule divided the rate at epoch 2");
});

Deno.test("train: a finished run and a disposed network give all their device memory back", async () => {
  const backend = await webgpu();
  const engine = await getEngine();
  const cfg = config({ epochs: 1 });
  (await run(backend, {}, cfg)).net.dispose(); // warm-up: kernels, SPP tables and other per-process buffers
  const before = engine.stats.allocatedBytes;
  const { net } = await run(backend, {}, cfg);
  net.dispose();
  // Before: SGD's momentum buffers (one per parameter) were never given back, nor a network's parameters.
  assert.equal(engine.stats.allocatedBytes, before);
});

Deno.test("train: a run killed mid-epoch resumes to exactly the uninterrupted result", async () => {
  const gpu = await webgpu();
  const reference = await run(gpu);
  const path = tmpCheckpoint();
  await assert.rejects(
    () =>
      run(gpu, {
        checkpointPath: path,
        afterStep: (epoch, step) => {
          if (epoch === 1 && step === 3) throw new Error("killed");
        },
      }),
    /killed/,
  );
  const saved = await loadCheckpoint<{ epoch: number; step: number }>(path);
  assert.deepEqual(
    [saved!.state.epoch, saved!.state.step],
    [1, 0],
    "the epoch-1 checkpoint survived the kill",
  );
  const resumed = await run(gpu, { checkpointPath: path, resume: true });
  assert.deepEqual(resumed.result.resumedFrom, { epoch: 1, step: 0 });
  assert.deepEqual(resumed.params, reference.params);
  assert.deepEqual(
    resumed.result.epochs.map((e) => [e.trainLoss, e.valTop1Err]),
    reference.result.epochs.map((e) => [e.trainLoss, e.valTop1Err]),
  );
});

Deno.test("train: a stop request (Ctrl-C) checkpoints mid-epoch and resumes exactly", async () => {
  const gpu = await webgpu();
  const reference = await run(gpu);
  const path = tmpCheckpoint();
  const stopped = await run(gpu, {
    checkpointPath: path,
    afterStep: (e, s) => (e === 1 && s === 2 ? "stop" : undefined),
  });
  assert.equal(stopped.result.interrupted, true);
  const resumed = await run(gpu, { checkpointPath: path, resume: true });
  assert.deepEqual(resumed.result.resumedFrom, { epoch: 1, step: 3 });
  assert.deepEqual(resumed.params, reference.params);
  assert.deepEqual(
    resumed.result.points.map((p) => p.valTop1Err),
    reference.result.points.map((p) => p.valTop1Err),
  );
});

Deno.test("train: a stop between micro-batches checkpoints before that step and resumes exactly", async () => {
  const gpu = await webgpu();
  const reference = await run(gpu, { microBatch: 6 });
  const path = tmpCheckpoint();
  // The stop arrives while a step's slices run: each step of 16 images in slices of 6 looks twice between its
  // slices and the trainer once after it, so the 20th look is between the 2nd and 3rd slices of step 7.
  let looks = 0;
  const stopSignal = {
    get requested() {
      return ++looks >= 20;
    },
  };
  const stopped = await run(gpu, { checkpointPath: path, microBatch: 6, stopSignal });
  assert.equal(stopped.result.interrupted, true);
  const saved = await loadCheckpoint<{ epoch: number; step: number }>(path);
  assert.deepEqual(
    [saved!.state.epoch, saved!.state.step],
    [0, 6],
    "saved before step 7, which was not taken",
  );
  const resumed = await run(gpu, { checkpointPath: path, microBatch: 6, resume: true });
  assert.deepEqual(resumed.result.resumedFrom, { epoch: saved!.state.epoch, step: saved!.state.step });
  assert.deepEqual(resumed.params, reference.params);
  assert.deepEqual(
    resumed.result.epochs.map((e) => [e.trainLoss, e.valTop1Err]),
    reference.result.epochs.map((e) => [e.trainLoss, e.valTop1Err]),
  );
});

Deno.test("step: a stop between micro-batches leaves the parameters and the sums as they were", async () => {
  const gpu = await webgpu();
  const net = new Network(spec, gpu, new Rng(11));
  const sgd = new Sgd(net.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  const acc = new Accumulators(gpu, 1.5, 3);
  const before = await net.readParameters();
  const batch = {
    x: new Float32Array(16 * 3 * 10 * 10).fill(0.5),
    labels: new Array(16).fill(1),
    dropoutSeed: 1,
  };
  assert.equal(await sgdStep(net, sgd, batch, 3, 10, acc, 4, { requested: true }), false);
  assert.deepEqual(await net.readParameters(), before);
  assert.equal(await acc.loss(), 1.5);
  assert.equal(await acc.correct(), 3);
  assert.equal(await sgdStep(net, sgd, batch, 3, 10, acc, 4, { requested: false }), true);
  assert.notDeepEqual(await net.readParameters(), before);
  assert.ok((await acc.loss()) > 1.5);
  acc.dispose();
  sgd.dispose();
  net.dispose();
});

Deno.test("train: a diverging run stops with a clear error and keeps the last good checkpoint", async () => {
  const gpu = await webgpu();
  const path = tmpCheckpoint();
  // A sane first epoch, then a learning rate a million times larger.
  const cfg = config({ epochs: 4, schedule: { kind: "steps", base: 0.01, milestones: [1], factor: 1e6 } });
  await assert.rejects(() => run(gpu, { checkpointPath: path }, cfg), (e: Error) => {
    assert.ok(e instanceof NonFiniteLossError);
    assert.match(e.message, /training loss became (NaN|Infinity|-Infinity) in epoch \d+/);
    assert.match(e.message, /last good checkpoint is kept/);
    return true;
  });
  const saved = await loadCheckpoint<{ epoch: number; epochs: { trainLoss: number }[] }>(path);
  assert.equal(saved?.state.epoch, 1, "the checkpoint after the good epoch is kept");
  assert.ok(saved!.state.epochs.every((e) => Number.isFinite(e.trainLoss)), "no diverged epoch was saved");
  assert.ok(saved!.tensors.every((t) => t.every(Number.isFinite)), "the kept parameters are finite");
});

Deno.test("train: a checkpoint from another configuration is refused", async () => {
  const gpu = await webgpu();
  const path = tmpCheckpoint();
  await run(gpu, { checkpointPath: path, afterStep: () => "stop" });
  await assert.rejects(
    () => run(gpu, { checkpointPath: path, resume: true }, config({ seed: 99 })),
    /made with another configuration/,
  );
});

Deno.test("calibrate: the logits' spread is read from softmax scores, and the classifier is rescaled to a target", async () => {
  // Softmax rows of known logits: the spread is the sample standard deviation of each row, averaged.
  const logits = [[0, 1, 2, 3], [0.5, 0.5, -0.5, -0.5]];
  const scores = Float32Array.from(logits.flatMap((row) => {
    const e = row.map(Math.exp);
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  }));
  const sd = (row: number[]) => {
    const m = row.reduce((a, b) => a + b, 0) / row.length;
    return Math.sqrt(row.reduce((a, v) => a + (v - m) ** 2, 0) / (row.length - 1));
  };
  assert.ok(Math.abs(logitSpread(scores, 4) - (sd(logits[0]) + sd(logits[1])) / 2) < 1e-5);

  const gpu = await webgpu();
  const cfg = config();
  const net = new Network(spec, gpu, new Rng(11));
  const before = await scaleClassifier(net, trainSet, cfg.val, cfg.norm, 0.3);
  assert.ok(before > 0 && Math.abs(before - 0.3) > 0.05, `the toy net's logits start at ${before}`);
  assert.ok(Math.abs((await measureLogitSpread(net, trainSet, cfg.val, cfg.norm)) - 0.3) < 1e-4);
  // In a run it happens once, at the fresh start: a run stopped and resumed does not rescale again.
  const withCalibration = config({ epochs: 2, classifierLogitStd: 0.3 });
  const reference = await run(gpu, {}, withCalibration);
  assert.notDeepEqual(reference.params, (await run(gpu, {}, config({ epochs: 2 }))).params);
  const path = tmpCheckpoint();
  await run(
    gpu,
    { checkpointPath: path, afterStep: (e, s) => (e === 1 && s === 2 ? "stop" : undefined) },
    withCalibration,
  );
  const resumed = await run(gpu, { checkpointPath: path, resume: true }, withCalibration);
  assert.deepEqual(resumed.result.resumedFrom, { epoch: 1, step: 3 });
  assert.deepEqual(resumed.params, reference.params);
  // A zero classifier has no spread to scale: a clear error.
  const zero = new Network(
    { ...spec, fcInit: [{ kind: "he-forward" }, { kind: "gaussian", std: 0 }] },
    gpu,
    new Rng(1),
  );
  await assert.rejects(() => scaleClassifier(zero, trainSet, cfg.val, cfg.norm, 0.3), /non-zero init/);
});

Deno.test("schedule: steps and divide-by-10-on-plateau", () => {
  const steps: ScheduleSpec = { kind: "steps", base: 0.01, milestones: [20, 65], factor: 0.1 };
  assert.deepEqual([0, 19, 20, 64, 65, 79].map((e) => +stepRate(steps, e).toExponential(6)), [
    0.01,
    0.01,
    0.001,
    0.001,
    1e-4,
    1e-4,
  ]);
  const plateau: ScheduleSpec = {
    kind: "plateau",
    base: 0.01,
    factor: 0.1,
    patience: 2,
    minDelta: 0.001,
    maxDrops: 2,
  };
  let s = initialSchedule(plateau);
  const lrs: number[] = [];
  for (const err of [0.9, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]) {
    s = advance(plateau, s, 0, err);
    lrs.push(+s.lr.toExponential(6));
  }
  assert.deepEqual(lrs, [0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 1e-4, 1e-4, 1e-4, 1e-4]);
  // A warm-up scales the schedule's rate by (step + 1) / warmupSteps, then leaves it alone.
  const warm: ScheduleSpec = { ...steps, warmupSteps: 4 };
  assert.deepEqual([0, 1, 3, 4, 100].map((k) => warmedRate(warm, 0.02, k)), [0.005, 0.01, 0.02, 0.02, 0.02]);
  assert.equal(warmedRate(steps, 0.02, 0), 0.02);
});

Deno.test("batches: a class-balanced epoch order is a permutation whose batches hold each class within one of its share", () => {
  // 10 classes of 450 and one of 45: every batch of 64 should hold 6-7 of each large class, 0-1 of the small one.
  const labels = [...Array.from({ length: 4500 }, (_, i) => i % 10), ...Array(45).fill(10)];
  const order = balancedEpochOrder(3, 0, labels);
  assert.deepEqual([...order].sort((a, b) => a - b), labels.map((_, i) => i));
  let worst = 0;
  for (let b = 0; b + 64 <= order.length; b += 64) {
    const counts = new Array(11).fill(0);
    for (const i of order.slice(b, b + 64)) counts[labels[i]]++;
    counts.forEach((c, k) => (worst = Math.max(worst, Math.abs(c - (64 * (k < 10 ? 450 : 45)) / 4545))));
  }
  assert.ok(worst < 1, `a class strayed ${worst} images from its share in some batch`);
  // A uniform shuffle strays far more (a batch of 64 holds 6.4 +- 2.4 of a class), and epochs differ.
  assert.notDeepEqual(balancedEpochOrder(3, 1, labels), order);
  assert.deepEqual(balancedEpochOrder(3, 0, labels), order);
  // With equal classes any 10 images in a row are one of each class.
  const equal = labels.slice(0, 4500);
  const rounds = balancedEpochOrder(5, 0, equal);
  for (let r = 0; r + 10 <= rounds.length; r++) {
    assert.equal(new Set(rounds.slice(r, r + 10).map((i) => equal[i])).size, 10, `10 images from ${r}`);
  }
});

Deno.test("recipe: a tier's rate and class-balanced batches reach the trainer and the list of differences", () => {
  const data = { norm: { mean: [0, 0, 0], scale: 1 }, pca: null } as unknown as RecipeOptions["data"];
  const base: RecipeOptions = {
    epochs: 0.4,
    batch: 64,
    seed: 1,
    augment: { crop: 8, scale: [10, 10], flip: false, pcaStd: 0 },
    data,
    colour: false,
    val: { side: 10, crop: 8 },
    evalPoints: 9,
  };
  const paper = paperRecipe(base);
  assert.equal(paper.schedule.base, PAPER_LR);
  assert.equal(paper.balancedBatches, undefined);
  assert.deepEqual(recipeChoiceText(paper), []);
  const chosen = paperRecipe({ ...base, lr: 0.02, balancedBatches: true });
  assert.equal(chosen.schedule.base, 0.02);
  assert.equal(chosen.balancedBatches, true);
  // A stored model's name tells the recipes apart, so that neither overwrites the other.
  assert.equal(recipeTag(paper), "");
  assert.equal(recipeTag(chosen), "-lr0.02-balanced");
  const named = { name: "net", activation: "relu", fcInit: [{ kind: "he-forward" }] } as NetSpec;
  const cifar = { dataset: "cifar10" } as LoadedData<DataSet>;
  for (const label of [smallLabel, largeLabel]) {
    assert.equal(label(named, { kind: "xavier" }, cifar, paper), "net-relu-xavier-cifar10-seed1");
    assert.equal(
      label(named, { kind: "xavier" }, cifar, chosen),
      "net-relu-xavier-cifar10-seed1-lr0.02-balanced",
    );
  }
  // A classifier started at zero is a different net from one with He's init on it: its name says so.
  const zeroHead = { ...named, fcInit: [{ kind: "he-forward" }, { kind: "gaussian", std: 0 }] } as NetSpec;
  assert.equal(
    smallLabel(zeroHead, { kind: "he-forward" }, cifar, chosen),
    "net-relu-he-forward-cifar10-seed1-lr0.02-balanced-zero-classifier",
  );
  const [text] = recipeChoiceText(chosen);
  assert.match(text, /^Learning rate 0\.02 instead of the paper's 0\.01 and class-balanced batches/);
  assert.match(
    recipeChoiceText(paperRecipe({ ...base, balancedBatches: true }))[0],
    /^Class-balanced batches/,
  );
  // The large family's rescaled classifier: in the config, in the stored name and in the differences.
  const calibrated = paperRecipe({ ...base, lr: 0.02, balancedBatches: true, classifierLogitStd: 0.3 });
  assert.equal(calibrated.classifierLogitStd, 0.3);
  assert.equal(recipeTag(calibrated), "-lr0.02-balanced-logits0.3");
  assert.match(
    recipeChoiceText(calibrated)[0],
    /^Learning rate 0\.02 instead of the paper's 0\.01; class-balanced batches .*; and the classifier's He init rescaled .* is 0\.3 on 256 /,
  );
  // The paper tiers keep the paper's rate; they draw class-balanced batches, a measured choice
  // (bench/studies/paper_first_steps/) that their differences state.
  for (const t of [SMALL_TIERS, LARGE_TIERS]) {
    assert.equal(t.paper.lr, undefined);
    assert.equal(t.paper.balancedBatches, true);
  }
  assert.match(
    PAPER_BALANCED_TEXT,
    /^Class-balanced batches .* instead of a uniform shuffle: .*paper_first_steps/,
  );
  assert.equal(LARGE_TIERS.paper.classifierLogitStd, undefined);
});

Deno.test("evaluation points: every tenth of a run, and the early ones inside its first tenth", () => {
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  // The default tier's 422 steps in one epoch of 703: tenths at 42, 84, ...; three more at 11, 21 and 32.
  assert.deepEqual(sorted(evalSteps(422, 9, 703)), [42, 84, 127, 169, 211, 253, 295, 338, 380]);
  assert.deepEqual(sorted(evalSteps(422, 9, 703, 3)).slice(0, 5), [11, 21, 32, 42, 84]);
  // Epoch ends evaluate anyway, so a point there is not added twice; nor is step 0 or the run's end.
  assert.deepEqual(sorted(evalSteps(186, 9, 62, 3)), [5, 9, 14, 19, 37, 56, 74, 93, 112, 130, 149, 167]);
  assert.deepEqual(sorted(evalSteps(12, 3, 6, 3)), [1, 3, 9]);
});
