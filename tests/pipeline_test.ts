/** Augmentation, test views, evaluation protocols and the result files, on synthetic data. */
import assert from "node:assert/strict";
import {
  augmentInto,
  centreBatch,
  channelMean,
  pcaBasis,
  viewBatch,
  viewOffsets,
  wholeBatch,
} from "../lib/data/augment.ts";
import { syntheticImages } from "../lib/data/synthetic.ts";
import { type NetSpec, Network } from "../lib/models/network.ts";
import * as ops from "../lib/ops.ts";
import { Rng } from "../lib/rng.ts";
import { Tensor } from "../lib/tensor.ts";
import { ensembleScores, evaluateDense, evaluateViews } from "../lib/train/evaluate.ts";
import {
  type ExperimentResult,
  rebuildMarkdown,
  validateResult,
  writeResult,
} from "../lib/results/result.ts";
import { barChart, lineChart } from "../lib/results/svg.ts";
import { environment } from "../lib/util/environment.ts";
import { webgpu } from "./helpers.ts";

const set = syntheticImages({ count: 24, classes: 4, size: 12, seed: 5 });
const norm = { mean: channelMean(set), scale: 1 / 64 };

Deno.test("augment: a batch is a pure function of the seed, and differs for another seed", () => {
  const cfg = { crop: 10, scale: [12, 15] as [number, number], flip: true, pcaStd: 0.1 };
  const pca = pcaBasis(set);
  const make = (seed: number) => {
    const out = new Float32Array(4 * 3 * 100);
    const rng = new Rng(seed);
    for (let i = 0; i < 4; i++) augmentInto(set, i, cfg, norm, pca, rng, out, i * 300);
    return out;
  };
  assert.deepEqual(make(1), make(1));
  assert.notDeepEqual(make(1), make(2));
});

Deno.test("augment: views are AlexNet's 10 (4 corners + centre, and their mirrors); crops subtract the mean", () => {
  const views = viewOffsets(12, 12, 10, "ten");
  assert.equal(views.length, 10);
  assert.deepEqual(views.slice(0, 5).map(([t, l]) => [t, l]), [[0, 0], [0, 2], [2, 0], [2, 2], [1, 1]]);
  assert.deepEqual(views.map((v) => v[2]), [false, false, false, false, false, true, true, true, true, true]);
  assert.deepEqual(viewOffsets(12, 12, 10, "center"), [[1, 1, false]]);
  const plain = viewBatch(set, [0], 12, 10, [1, 1, false], norm);
  const mirrored = viewBatch(set, [0], 12, 10, [1, 1, true], norm);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 10; x++) assert.equal(mirrored[y * 10 + x], plain[y * 10 + 9 - x]);
  }
  assert.equal(plain[0], Math.fround((set.pixels[1 * 12 + 1] - norm.mean[0]) * norm.scale));
});

Deno.test("augment: the centre batch is the centre view, on whole pixels when the margin is odd", () => {
  assert.deepEqual(
    centreBatch(set, [0, 3], 12, 10, norm),
    viewBatch(set, [0, 3], 12, 10, [1, 1, false], norm),
  );
  // 12 - 9 = 3: a margin of 1 before the crop and 2 after it, as viewOffsets places the centre; never 1.5.
  const odd = centreBatch(set, [0], 12, 9, norm);
  assert.ok(odd.every(Number.isFinite));
  assert.deepEqual(odd, viewBatch(set, [0], 12, 9, viewOffsets(12, 12, 9, "center")[0], norm));
  assert.equal(odd[0], Math.fround((set.pixels[1 * 12 + 1] - norm.mean[0]) * norm.scale));
});

Deno.test("augment: the PCA basis is orthonormal and reconstructs the channel covariance", () => {
  const { values, vectors } = pcaBasis(set, 1);
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const dot = [0, 1, 2].reduce((s, c) => s + vectors[c][a] * vectors[c][b], 0);
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-9);
    }
  }
  assert.ok(values.every((v) => v >= 0));
  // trace of the covariance = sum of eigenvalues = sum of channel variances
  const plane = 144;
  const mean = channelMean(set);
  let total = 0;
  for (let i = 0; i < set.count; i++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) total += (set.pixels[(i * 3 + c) * plane + p] - mean[c]) ** 2;
    }
  }
  const trace = total / (set.count * plane);
  assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - trace) < 1e-6 * trace);
});

const spec: NetSpec = {
  name: "eval-net",
  input: [3, 10, 10],
  classes: 4,
  activation: "prelu-channel",
  convInit: { kind: "he-forward" },
  fcInit: [{ kind: "gaussian", std: 0.1 }],
  layers: [
    { type: "conv", name: "conv1", filters: 6, kernel: 3, pad: 1 },
    { type: "maxpool", name: "pool1", kernel: 2 },
    { type: "spp", name: "spp", levels: [2, 1] },
    { type: "fc", name: "fc", units: 4 },
  ],
};

Deno.test("evaluate: dense testing at the training size equals averaging the image and its mirror", async () => {
  const net = new Network(spec, await webgpu(), new Rng(1));
  const opts = { norm, batchSize: 8, keepScores: true };
  // With side = crop every 10-view crop is the whole image, so "ten" averages it and its mirror, as dense does.
  const ten = await evaluateViews(net, set, { ...opts, views: "ten", side: 10, crop: 10 });
  const dense = await evaluateDense(net, set, { ...opts, scales: [10], crop: 10 });
  ten.scores!.forEach((v, i) => assert.ok(Math.abs(v - dense.scores![i]) < 1e-5));
  assert.equal(dense.top1Err, ten.top1Err);
  // A larger scale slides windows over a larger map: still valid probabilities.
  const big = await evaluateDense(net, set, { ...opts, scales: [10, 14], crop: 10 });
  for (let r = 0; r < set.count; r++) {
    const row = big.scores!.subarray(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(row - 1) < 1e-5);
  }
  const ensemble = ensembleScores([ten.scores!, big.scores!], set.labels, 4);
  assert.ok(ensemble.top1Err >= 0 && ensemble.top1Err <= 1);
  assert.equal(ensembleScores([ten.scores!], set.labels, 4).top1Err, ten.top1Err);
});

Deno.test("evaluate: dense testing scores its windows in one batch exactly as one window at a time", async () => {
  const net = new Network(spec, await webgpu(), new Rng(2));
  // Scale 16: a 8x8 map after pool1 and 5x5 windows, so 16 windows per image and flip.
  const dense = await evaluateDense(net, set, {
    norm,
    batchSize: 5,
    keepScores: true,
    scales: [16],
    crop: 10,
  });
  const ctx = { training: false, seed: 0 };
  const expected = new Float64Array(set.count * 4);
  for (const flip of [false, true]) {
    const indices = Array.from({ length: set.count }, (_, i) => i);
    const map = net.features(
      Tensor.fromArray(net.backend, wholeBatch(set, indices, 16, flip, norm), [
        set.count,
        3,
        16,
        16,
      ]),
      ctx,
    );
    assert.deepEqual(map.shape.slice(2), [8, 8]);
    for (let top = 0; top <= 3; top++) {
      for (let left = 0; left <= 3; left++) {
        const window = { top, left, height: 5, width: 5 };
        const probs = await ops.softmax(net.head(map, ctx, window)).toArray();
        probs.forEach((p, i) => expected[i] += p / 32);
      }
    }
  }
  expected.forEach((v, i) =>
    assert.ok(Math.abs(v - dense.scores![i]) < 1e-5, `score ${i}: ${dense.scores![i]} vs ${v}`)
  );
});

Deno.test("results: result.json validates, result.md shows paper and ours, plots are SVG, nothing half-written", async () => {
  const out = Deno.makeTempDirSync();
  const result: ExperimentResult = {
    schema: 2,
    experiment: { id: "demo", title: "Demo", paperRef: "Table 2" },
    tier: "smoke",
    data: {
      dataset: "synthetic",
      source: "test",
      train: 24,
      val: 4,
      test: 24,
      classes: 4,
      fingerprint: "0123",
    },
    regime: null,
    seeds: [1, 2],
    config: { lr: 0.01 },
    environment: await environment(await webgpu()),
    wallSeconds: 1.5,
    runs: [],
    metrics: { "top1.prelu": { values: [41.0, 41.4], description: "top-1 error, %", floor: 2 } },
    comparison: [{ metric: "top-1 error, PReLU", paper: 32.64, ours: 41.2, source: "Table 2" }],
    claims: [{
      id: "c1",
      text: "PReLU beats ReLU",
      paper: "Table 2",
      regime: "converged",
      kind: "better",
      category: "empirical",
      verdict: "inconclusive",
      rule: "95% CI of the paired difference excludes 0",
      evidence: "-0.4 [-1.1, 0.3]",
    }],
    differences: ["scaled"],
    plots: [{ file: "curves.svg", caption: "curves" }],
    notes: [],
  };
  const svg = lineChart({
    title: "t",
    xLabel: "epoch",
    yLabel: "err",
    series: [{ name: "a", points: [[0, 1], [1, 0.5]] }],
  });
  const dir = await writeResult(out, result, [{ file: "curves.svg", svg }]);
  const parsed = validateResult(JSON.parse(Deno.readTextFileSync(`${dir}/result.json`)));
  assert.equal(parsed.environment.deno, Deno.version.deno);
  const md = Deno.readTextFileSync(`${dir}/result.md`);
  assert.match(md, /\| top-1 error, PReLU \| 32\.64 \| 41\.20 \| Table 2 \|/);
  // A claim about converged nets in a result that trained nothing is an early-training proxy, and says so.
  assert.match(
    md,
    /\| PReLU beats ReLU \(empirical\) \| Table 2 \| converged nets \| \*\*inconclusive \(early-training proxy: needs converged nets\)\*\* \|/,
  );
  assert.match(md, /!\[curves\]\(curves\.svg\)/);
  assert.match(Deno.readTextFileSync(`${dir}/curves.svg`), /^<svg[\s\S]*<\/svg>\n$/);
  Deno.writeTextFileSync(`${dir}/result.md`, "stale");
  assert.equal((await rebuildMarkdown(out)).length, 1);
  assert.match(Deno.readTextFileSync(`${dir}/result.md`), /^# Demo/);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "curves.svg",
    "result.json",
    "result.md",
  ]);
  assert.throws(
    () => validateResult({ schema: 2 }, "x.json"),
    /x\.json is not a valid result: experiment\.id/,
  );
  const bars = barChart({
    title: "b",
    yLabel: "a",
    categories: ["conv1", "conv2"],
    groups: [{ name: "s", values: [0.6, -0.1] }],
  });
  assert.equal((bars.match(/<rect x=/g) ?? []).length, 2 + 2, "two bars, the legend key and its background");
});
