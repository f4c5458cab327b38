/**
 * Data at any size: ImageNet-style folders (synset class names, mixed sizes, JPEG and PNG, greyscale and CMYK),
 * streamed batches decoded by the worker pool, micro-batches with gradient accumulation, fc weights split in row
 * blocks, and the errors bad folders and files get. Folders are written by the tests (tests/fixtures).
 */
import assert from "node:assert/strict";
import { DataError, type DataSet, fingerprint, takePerClass } from "../lib/data/dataset.ts";
import { closeDecodePool, decodePool } from "../lib/data/decode_pool.ts";
import { skippedText } from "../lib/data/folder.ts";
import { openImageFolder, streamedSplit } from "../lib/data/image_folder.ts";
import { cropOrigin, cutCrop, decodeResized, viewSpecs } from "../lib/data/image_ops.ts";
import { BatchPrefetch, streamedBatch, streamedStats } from "../lib/data/stream.ts";
import { type NetSpec, Network } from "../lib/models/network.ts";
import { Linear } from "../lib/nn.ts";
import * as ops from "../lib/ops.ts";
import { Sgd } from "../lib/optim.ts";
import { Rng } from "../lib/rng.ts";
import { Tensor } from "../lib/tensor.ts";
import { type BatchRecipe, epochOrder } from "../lib/train/batches.ts";
import { evaluateDense, evaluateViews } from "../lib/train/evaluate.ts";
import { Accumulators, microBatchFor, sgdStep } from "../lib/train/step.ts";
import { paperSmall14 } from "../lib/models/zoo.ts";
import { largestPerImageBytes } from "../lib/models/network.ts";
import { compare, reference, webgpu } from "./helpers.ts";
import { synset, writeImageFolder } from "./fixtures/image_folder.ts";

const root = Deno.makeTempDirSync({ prefix: "rectifiers-folder-" });
await writeImageFolder(root, { classes: 3, train: 8, val: 2 });
const norm = { mean: [120, 120, 120], scale: 1 / 64 };

const recipe = (crop: number, scale: [number, number]): BatchRecipe => ({
  batchSize: 4,
  augment: { crop, scale, flip: true, pcaStd: 0.1 },
  norm,
  pca: { values: [300, 20, 5], vectors: [[0.58, 0.7, 0.4], [0.58, 0, -0.8], [0.58, -0.7, 0.4]] },
  seed: 5,
});

Deno.test({
  name: "folder: classes are the sorted folder names; mixed sizes, PNG, greyscale and CMYK decode to RGB",
  sanitizeResources: false,
  fn: async () => {
    const folder = openImageFolder(root);
    assert.deepEqual(folder.classes, [0, 1, 2].map(synset));
    assert.equal(folder.evalSplit, "val");
    assert.equal(folder.train.files.length, 24);
    const set = streamedSplit(folder, "train");
    assert.equal(set.count, 24);
    assert.match(set.fingerprint, /^[0-9a-f]{16}$/);
    for (const path of set.files) {
      const img = await decodeResized(path, 64);
      assert.equal(Math.min(img.h, img.w), 64, path);
      assert.equal(img.rgb.length, img.h * img.w * 3, path);
    }
    // A greyscale JPEG comes back with three equal channels.
    const grey = set.files.find((_, i) => i % 7 === 6)!;
    const g = await decodeResized(grey, 32);
    for (let i = 0; i < g.h * g.w; i += 97) {
      assert.equal(g.rgb[3 * i], g.rgb[3 * i + 1]);
      assert.equal(g.rgb[3 * i], g.rgb[3 * i + 2]);
    }
  },
});

Deno.test({
  name: "folder: its data fingerprint follows the images, not where the folder lies or when it was copied",
  sanitizeResources: false,
  fn: async () => {
    const key = (dir: string) => {
      const folder = openImageFolder(dir);
      return fingerprint(streamedSplit(folder, "train"), streamedSplit(folder, "eval"));
    };
    const copy = Deno.makeTempDirSync({ prefix: "rectifiers-folder-copy-" });
    try {
      // A plain copy elsewhere: other paths, fresh modification times, the same images.
      const cp = await new Deno.Command("cp", { args: ["-r", `${root}/.`, copy] }).output();
      assert.ok(cp.success, new TextDecoder().decode(cp.stderr));
      assert.equal(key(copy), key(root));
      // One image replaced by another of the same size: other data.
      const files = streamedSplit(openImageFolder(copy), "train").files;
      const [a, b] = files.filter((f) => Deno.statSync(f).size === Deno.statSync(files[0]).size);
      if (b) Deno.copyFileSync(b, a);
      else Deno.writeFileSync(a, Deno.readFileSync(a).map((v, i) => (i === 100 ? v ^ 1 : v)));
      assert.notEqual(key(copy), key(root));
    } finally {
      Deno.removeSync(copy, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "stream: a streamed batch is a pure function of (seed, epoch, step) and equals crops cut on the main thread",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const set = streamedSplit(openImageFolder(root), "train");
    const r = recipe(48, [56, 72]);
    const order = epochOrder(r.seed, 0, set.count);
    const a = await streamedBatch(set, order, 0, 1, r, decodePool());
    const b = await streamedBatch(set, order, 0, 1, r, decodePool());
    assert.deepEqual(a.labels, b.labels);
    assert.equal(a.dropoutSeed, b.dropoutSeed);
    assert.ok(a.x.every((v, i) => v === b.x[i]));
    const other = await streamedBatch(set, order, 0, 2, r, decodePool());
    assert.ok(other.x.some((v, i) => v !== a.x[i]));
    // The prefetcher hands out the same batches, decoded ahead.
    const prefetch = new BatchPrefetch((o, e, s) => streamedBatch(set, o, e, s, r, decodePool()), 6, 2);
    const viaPrefetch = await prefetch.batch(order, 0, 1);
    assert.ok(viaPrefetch.x.every((v, i) => v === a.x[i]));
    prefetch.drop();
    // The views of the test protocol land where the in-memory protocol puts them: corners and centre.
    const img = await decodeResized(set.files[0], 64);
    const origins = viewSpecs("ten", 64, 56).map((s) => cropOrigin(img, s));
    const [h, w] = [img.h - 56, img.w - 56];
    assert.deepEqual(origins.slice(0, 5), [
      { top: 0, left: 0 },
      { top: 0, left: w },
      { top: h, left: 0 },
      { top: h, left: w },
      { top: Math.floor(h / 2), left: Math.floor(w / 2) },
    ]);
    const out = new Float32Array(3 * 56 * 56);
    cutCrop(img, viewSpecs("center", 64, 56)[0], norm, out, 0);
    const { data } = await decodePool().run({
      kind: "crops",
      path: set.files[0],
      side: 64,
      norm,
      crops: viewSpecs("center", 64, 56),
    });
    assert.ok(compare(data, out).maxAbs === 0, "a worker cuts the crop the main thread cuts");
  },
});

Deno.test({
  name: "stream: mean and colour basis come from a bounded sample, accumulated chunk by chunk",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const set = streamedSplit(openImageFolder(root), "train");
    const stats = await streamedStats(set, 10, 40, 32, decodePool());
    assert.equal(stats.images, 10);
    stats.mean.forEach((m) => assert.ok(m > 30 && m < 230, `mean ${m}`));
    assert.ok(stats.pca.values.every((v) => v >= 0));
    assert.ok(stats.pca.values.some((v) => v > 10), "the sample's colours vary");
  },
});

/** A tiny SPP net on any input size, for the streamed evaluation tests. */
function tinySpec(crop: number, classes: number): NetSpec {
  return {
    name: "tiny",
    input: [3, crop, crop],
    classes,
    activation: "prelu-channel",
    convInit: { kind: "he-forward" },
    fcInit: [{ kind: "he-forward" }, { kind: "gaussian", std: 0.01 }],
    layers: [
      { type: "conv", name: "conv1", filters: 4, kernel: 5, stride: 4 },
      { type: "maxpool", name: "pool1", kernel: 2 },
      { type: "spp", name: "spp", levels: [2, 1] },
      { type: "fc", name: "fc1", units: 8 },
      { type: "dropout", name: "drop1", rate: 0.5 },
      { type: "fc", name: "fc2", units: classes },
    ],
  };
}

Deno.test({
  name: "stream: 10-view and dense testing run on streamed images of different aspects",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const folder = openImageFolder(root);
    const test = streamedSplit(folder, "eval");
    const net = new Network(tinySpec(48, 3), await webgpu(), new Rng(1));
    const ten = await evaluateViews(net, test, {
      views: "ten",
      side: 56,
      crop: 48,
      norm,
      batchSize: 4,
      keepScores: true,
    });
    assert.equal(ten.count, 6);
    assert.ok(ten.scores!.every(Number.isFinite));
    const dense = await evaluateDense(net, test, { scales: [56, 72], crop: 48, norm, batchSize: 4 });
    assert.equal(dense.count, 6);
    assert.ok(dense.top1Err >= 0 && dense.top1Err <= 1);
  },
});

Deno.test("evaluation: NaN scores are an error, not correct answers", async () => {
  const folder = openImageFolder(root);
  const test = streamedSplit(folder, "eval");
  const net = new Network(tinySpec(48, 3), await webgpu(), new Rng(1));
  const fc2 = net.parameters().find((p) => p.name === "fc2.weight")!;
  net.backend.write(fc2.tensor.storage, new Float32Array(fc2.tensor.size).fill(NaN));
  await assert.rejects(
    () => evaluateViews(net, test, { views: "center", side: 56, crop: 48, norm, batchSize: 4 }),
    (e: Error) => e instanceof ops.NonFiniteError && /18 scores are NaN or Inf/.test(e.message),
  );
});

Deno.test("micro-batches: a batch split in slices gives the update of the whole batch, dropout included", async () => {
  for (const backend of [reference, await webgpu()]) {
    const spec = tinySpec(24, 3);
    const rng = new Rng(9);
    const x = Float32Array.from({ length: 8 * 3 * 24 * 24 }, () => rng.normal());
    const batch = { x, labels: [0, 1, 2, 0, 1, 2, 0, 1], dropoutSeed: 1234 };
    const after: Float64Array[][] = [];
    for (const micro of [8, 3]) {
      const net = new Network(spec, backend, new Rng(2));
      const sgd = new Sgd(net.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
      const acc = new Accumulators(backend);
      await sgdStep(net, sgd, batch, 3, 24, acc, micro);
      after.push(await net.readParameters());
      const loss = await acc.loss();
      assert.ok(Number.isFinite(loss) && loss > 0);
      acc.dispose();
    }
    after[0].forEach((whole, i) => {
      const e = compare(after[1][i], whole);
      assert.ok(e.normalized < 1e-5, `${backend.name} parameter ${i}: ${e.normalized}`);
    });
  }
});

Deno.test("micro-batches: the split follows the binding limit, in equal slices", () => {
  // The paper's 14-layer model at batch 128: conv1's output is 64 x 109 x 109 floats (3 MB) per image.
  const perImage = largestPerImageBytes(paperSmall14("prelu-channel", { kind: "he-forward" }, 0, 1000));
  assert.equal(perImage, 4 * 64 * 109 * 109);
  const micro = microBatchFor(perImage, 128, 128 * 2 ** 20);
  assert.equal(micro, 43, "128 MiB holds 44 images: 3 slices of 43, 43 and 42");
  assert.equal(microBatchFor(perImage, 16, 128 * 2 ** 20), 16, "a batch that fits is not split");
  assert.throws(() => microBatchFor(perImage, 4, 2 ** 20), /over the adapter's binding limit/);
});

Deno.test("fc: a weight over the binding size is stored in row blocks with the same outputs and gradients", async () => {
  const rng = new Rng(4);
  const x = Float32Array.from({ length: 5 * 40 }, () => rng.normal());
  const results: Float64Array[][] = [];
  for (const maxBytes of [Infinity, 4 * 40 * 7]) {
    const fc = new Linear(reference, "fc", 40, 30, { kind: "he-forward" }, new Rng(8), maxBytes);
    const xs = Tensor.fromArray(reference, x, [5, 40], { requiresGrad: true });
    const y = fc.forward(xs);
    ops.sum(ops.mul(y, y)).backward();
    const grads = fc.parameters().map((p) => p.tensor.grad!.toArray());
    results.push([await y.toArray(), await xs.grad!.toArray(), ...await Promise.all(grads)]);
    assert.equal(fc.weights.length, maxBytes === Infinity ? 1 : 5);
  }
  const [whole, split] = results;
  assert.deepEqual(Array.from(split[0]), Array.from(whole[0]), "outputs");
  // The input gradient sums the blocks' contributions one after another: the same sum in another order.
  assert.ok(compare(split[1], whole[1]).normalized < 1e-12, "input gradient");
  const joined = (k: number) => split.slice(2).filter((_, i) => i % 2 === k).flatMap((a) => Array.from(a));
  assert.deepEqual(joined(0), Array.from(whole[2]), "weight gradients, block after block");
  assert.deepEqual(joined(1), Array.from(whole[3]), "bias gradients");
});

Deno.test("bad folders: empty, truncated and non-image files, missing splits, too few images", async () => {
  const bad = Deno.makeTempDirSync({ prefix: "rectifiers-bad-folder-" });
  await writeImageFolder(bad, { classes: 2, train: 3, val: 1 });
  const cls = `${bad}/train/${synset(0)}`;
  Deno.writeTextFileSync(`${cls}/README.txt`, "not an image");
  const folder = openImageFolder(bad);
  assert.match(
    skippedText(folder.train)!,
    /skipped 1 file that is not \.jpg, \.jpeg or \.png \(.*README\.txt\)/,
  );
  const set: DataSet = streamedSplit(folder, "train");
  assert.throws(() => takePerClass(set, 5), /class n01440764 has 3 images, fewer than the 5 per class/);

  const first = `${cls}/${synset(0)}_00000.jpg`;
  const bytes = Deno.readFileSync(first);
  Deno.writeFileSync(first, bytes.subarray(0, Math.floor(bytes.length / 3)));
  await assert.rejects(
    () =>
      decodePool().run({ kind: "crops", path: first, side: 32, norm, crops: viewSpecs("center", 32, 32) }),
    (e: Error) => e instanceof DataError && e.message.includes(first) && /Replace or delete/.test(e.message),
  );
  Deno.writeFileSync(first, new Uint8Array());
  assert.throws(() => openImageFolder(bad), /is empty \(0 bytes\)/);
  Deno.writeTextFileSync(first, "<html>not a jpeg</html>");
  await assert.rejects(() => decodeResized(first, 32), (e: Error) => e.message.includes(first));

  Deno.removeSync(`${bad}/val`, { recursive: true });
  assert.throws(() => openImageFolder(bad), /not an ImageNet-style folder: it needs train\/<class>/);
  assert.throws(() => openImageFolder(`${bad}/nothing`), /does not exist or is not a folder/);
});

Deno.test({
  name: "decode pool: closes its workers",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () => {
    closeDecodePool();
  },
});
