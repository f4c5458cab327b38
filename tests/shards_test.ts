/**
 * Shards (lib/experiments/shards.ts), the convergence rule and published weights: one net per shard, its weights
 * and measurements written at the long tier and read back instead of retrained, a shard of another engine
 * retrained, --shard training one net, and two processes sharing one model store.
 */
import assert from "node:assert/strict";
import "./helpers.ts";
import { runShards, shardDir, shardName } from "../lib/experiments/shards.ts";
import { hasConverged, type ScheduleSpec, type ScheduleState } from "../lib/train/schedule.ts";
import { loadNamedWeights, namedWeights, torchName } from "../lib/experiments/publish.ts";
import { decodeSafetensors } from "../lib/util/safetensors.ts";
import { exists } from "../lib/util/fs.ts";
import { Network } from "../lib/models/network.ts";
import { Rng } from "../lib/rng.ts";
import { gpuBackend } from "../lib/experiments/common.ts";
import { TOY_EXPERIMENT, toyContext, toyPlans, toySpec } from "./fixtures/toy_shards.ts";

const plateau: ScheduleSpec = {
  kind: "plateau",
  base: 0.01,
  factor: 0.1,
  patience: 3,
  minDelta: 0.002,
  maxDrops: 2,
};
const rule = { window: 3, minGain: 0.002 };
const state = (drops: number, droppedAt: number): ScheduleState => ({
  lr: 1e-4,
  best: 0.3,
  sinceBest: 0,
  drops,
  droppedAt,
});

Deno.test("converge: only after the last rate drop and a full window, and only when the window gained too little", () => {
  const flat = [0.5, 0.4, 0.35, 0.3, 0.3, 0.3, 0.3];
  assert.equal(
    hasConverged(plateau, rule, state(2, 4), flat),
    true,
    "flat for the window after the last drop",
  );
  assert.equal(hasConverged(plateau, rule, state(1, 4), flat), false, "a drop is still to come");
  assert.equal(
    hasConverged(plateau, rule, state(2, 5), flat),
    false,
    "the window is not full since the drop",
  );
  const gaining = [0.5, 0.4, 0.35, 0.3, 0.3, 0.29, 0.297];
  assert.equal(hasConverged(plateau, rule, state(2, 4), gaining), false, "a gain of 1 point in the window");
  assert.equal(hasConverged(plateau, undefined, state(2, 4), flat), false, "no rule: never");
  const steps: ScheduleSpec = { kind: "steps", base: 0.01, milestones: [], factor: 0.1 };
  assert.equal(hasConverged(steps, rule, state(2, 4), flat), false, "a step schedule never converges by it");
});

Deno.test("publish: our parameter names are PyTorch's state_dict names, and the weights round-trip", async () => {
  assert.equal(torchName("conv1.weight"), "conv1.weight");
  assert.equal(torchName("conv12.act.slope"), "conv12_act.weight");
  assert.equal(torchName("fc2.bias"), "fc2.bias");
  assert.throws(() => torchName("fc1.rows0-99.weight"), /row-blocked/);
  const backend = await gpuBackend();
  const a = new Network(toySpec("prelu-channel"), backend, new Rng(1));
  const b = new Network(toySpec("prelu-channel"), backend, new Rng(2));
  const weights = await namedWeights(a);
  assert.deepEqual(weights.map((w) => w.name), [
    "conv1.weight",
    "conv1.bias",
    "conv1_act.weight",
    "fc1.weight",
    "fc1.bias",
    "fc1_act.weight",
    "fc2.weight",
    "fc2.bias",
  ]);
  const { encodeSafetensors } = await import("../lib/util/safetensors.ts");
  loadNamedWeights(b, encodeSafetensors(weights));
  assert.deepEqual(await b.readParameters(), await a.readParameters());
  a.dispose();
  b.dispose();
});

Deno.test("shards: published at the long tier, read back instead of retrained, retrained when the engine's numbers change", async () => {
  const cache = Deno.makeTempDirSync({ prefix: "rectifiers-shards-" });
  Deno.env.set("RECTIFIERS_CACHE", cache);
  const out = Deno.makeTempDirSync({ prefix: "rectifiers-shards-out-" });
  const names = ["relu", "prelu-channel"].map((v) => shardName("toy", "long", v, 1));
  const dir = shardDir(out, "toy", "long");
  const run = async (shard: string | null) => {
    const lines: string[] = [];
    const records = await runShards(toyContext(out, shard, lines), TOY_EXPERIMENT, toyPlans());
    return { records, log: lines.join("\n") };
  };

  // --shard: that one net, nothing to aggregate yet.
  const first = await run(names[1]);
  assert.equal(first.records, null);
  assert.match(first.log, /1 of 2 shards done/);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    `${names[1]}.json`,
    `${names[1]}.safetensors`,
  ]);
  const published = JSON.parse(Deno.readTextFileSync(`${dir}/${names[1]}.json`));
  assert.equal(published.training.epochs.length, 2);
  const { tensors } = decodeSafetensors(Deno.readFileSync(`${dir}/${names[1]}.safetensors`));
  assert.equal(tensors.find((t) => t.name === "conv1_act.weight")?.data.length, 4);
  assert.equal(tensors[0].data[0], published.measurements.firstWeight, "the weights are the measured net's");

  // Without --shard: the missing one is trained, the published one read.
  const second = await run(null);
  assert.equal(second.records?.length, 2);
  assert.match(second.log, new RegExp(`shard ${names[1]}: published, read`));
  assert.match(second.log, new RegExp(`shard ${names[0]}: training \\(none published yet\\)`));
  const third = await run(null);
  assert.doesNotMatch(third.log, /training/);
  assert.deepEqual(third.records, second.records);

  // A shard whose numbers this engine does not reproduce is trained again, not mixed in.
  const stale = { ...published, model: { ...published.model, numerics: "0000000000000000" } };
  Deno.writeTextFileSync(`${dir}/${names[1]}.json`, JSON.stringify(stale));
  const fourth = await run(null);
  assert.match(
    fourth.log,
    new RegExp(`shard ${names[1]}: training \\(the engine now computes other numbers`),
  );
  assert.equal(
    JSON.parse(Deno.readTextFileSync(`${dir}/${names[1]}.json`)).model.numerics,
    published.model.numerics,
  );

  await assert.rejects(
    () => run("toy-long-elu-seed1"),
    /no shard toy-long-elu-seed1 .* its shards: toy-long-relu-seed1/,
  );

  // A pipeline check neither reads nor replaces published shards.
  const before = Deno.readTextFileSync(`${dir}/${names[1]}.json`);
  const lines: string[] = [];
  const check = toyContext(out, null, lines);
  check.overrides = { batch: 8 };
  assert.equal((await runShards(check, TOY_EXPERIMENT, toyPlans()))?.length, 2);
  assert.doesNotMatch(lines.join("\n"), /published/);
  assert.equal(Deno.readTextFileSync(`${dir}/${names[1]}.json`), before);
});

Deno.test("shards, published only (the long tier's check): reads, counts the missing, refuses a stale one, never trains", async () => {
  Deno.env.set("RECTIFIERS_CACHE", Deno.makeTempDirSync({ prefix: "rectifiers-shards-ro-" }));
  const out = Deno.makeTempDirSync({ prefix: "rectifiers-shards-ro-out-" });
  const names = ["relu", "prelu-channel"].map((v) => shardName("toy", "long", v, 1));
  const dir = shardDir(out, "toy", "long");
  const readOnly = async () => {
    const lines: string[] = [];
    const ctx = { ...toyContext(out, null, lines), publishedOnly: true };
    return { records: await runShards(ctx, TOY_EXPERIMENT, toyPlans()), log: lines.join("\n") };
  };

  assert.equal((await readOnly()).records, null, "nothing published: nothing aggregated");
  assert.equal([...Deno.readDirSync(out)].length, 0, "and nothing trained");
  await runShards(toyContext(out, names[1], []), TOY_EXPERIMENT, toyPlans());
  const partial = await readOnly();
  assert.equal(partial.records, null);
  assert.match(partial.log, new RegExp(`${names[1]}: published, read`));
  assert.match(partial.log, new RegExp(`${names[0]}: not published yet`));
  assert.doesNotMatch(partial.log, /training/);
  assert.ok(!(await exists(`${dir}/${names[0]}.json`)), "the missing one stays missing");

  await runShards(toyContext(out, names[0], []), TOY_EXPERIMENT, toyPlans());
  assert.equal((await readOnly()).records?.length, 2, "every shard in: aggregated from the files");
  // A clone elsewhere (CI's checkout) reads the same images from another path: the same nets.
  const elsewhere = toyPlans().map((p) => {
    const data = { ...p.request.data, train: { ...p.request.data.train, source: "folder /elsewhere/train" } };
    return { ...p, request: { ...p.request, data } };
  });
  const moved = { ...toyContext(out, null, []), publishedOnly: true };
  assert.equal((await runShards(moved, TOY_EXPERIMENT, elsewhere))?.length, 2, "read from another path");
  const otherImages = toyPlans().map((p) => ({
    ...p,
    request: { ...p.request, data: { ...p.request.data, fingerprint: "other" } },
  }));
  await assert.rejects(
    () => runShards(moved, TOY_EXPERIMENT, otherImages),
    /no longer stands .* another configuration or data/,
    "other images are another net",
  );

  const record = JSON.parse(Deno.readTextFileSync(`${dir}/${names[0]}.json`));
  Deno.writeTextFileSync(
    `${dir}/${names[0]}.json`,
    JSON.stringify({ ...record, model: { ...record.model, numerics: "0000000000000000" } }),
  );
  await assert.rejects(readOnly, new RegExp(`published shard ${names[0]} no longer stands .* other numbers`));

  const check = { ...toyContext(out, null, []), publishedOnly: true };
  check.overrides = { batch: 8 };
  await assert.rejects(() => runShards(check, TOY_EXPERIMENT, toyPlans()), /only the published shards/);
});

Deno.test("shards: two processes training the same shard on one store: one trains, the other waits and loads it", async () => {
  const cache = Deno.makeTempDirSync({ prefix: "rectifiers-shards2-" });
  const out = Deno.makeTempDirSync({ prefix: "rectifiers-shards2-out-" });
  const name = shardName("toy", "long", "relu", 1);
  const worker = new URL("./fixtures/toy_shards.ts", import.meta.url).pathname;
  const spawn = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", worker, name, out],
      env: { RECTIFIERS_CACHE: cache },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const results = await Promise.all([spawn(), spawn()]);
  const logs = results.map((r) => {
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    return JSON.parse(new TextDecoder().decode(r.stdout).trim().split("\n").at(-1)!).lines.join("\n");
  });
  const loaded = logs.filter((l) => /trained earlier, loaded from/.test(l));
  assert.equal(loaded.length, 1, logs.join("\n----\n"));
  const dir = shardDir(out, "toy", "long");
  const record = JSON.parse(Deno.readTextFileSync(`${dir}/${name}.json`));
  const bytes = Deno.readFileSync(`${dir}/${name}.safetensors`);
  assert.equal(bytes.length, record.weights.bytes, "the weights file is the one its record names");
});

Deno.test("shards: a stopped shard leaves its checkpoint as a piece to commit, and a fresh machine resumes from it exactly", async () => {
  const out = Deno.makeTempDirSync({ prefix: "rectifiers-pieces-out-" });
  const name = shardName("toy", "long", "relu", 1);
  const dir = shardDir(out, "toy", "long");
  const run = async (cache: string, stop: boolean) => {
    Deno.env.set("RECTIFIERS_CACHE", cache);
    const lines: string[] = [];
    const ctx = toyContext(out, name, lines);
    ctx.stopSignal.requested = stop;
    const records = await runShards(ctx, TOY_EXPERIMENT, toyPlans()).catch((e) => e as Error);
    return { records, log: lines.join("\n") };
  };
  const whole = Deno.makeTempDirSync({ prefix: "rectifiers-pieces-whole-" });
  const reference = await run(whole, false);
  assert.equal(reference.records, null, "one shard of two: nothing to aggregate");
  const expected = JSON.parse(Deno.readTextFileSync(`${dir}/${name}.json`)).measurements.firstWeight;
  Deno.removeSync(dir, { recursive: true });

  const stopped = await run(Deno.makeTempDirSync({ prefix: "rectifiers-pieces-a-" }), true);
  assert.match(String(stopped.records), /interrupted/);
  assert.match(stopped.log, /checkpoint kept as .*\.partial\.ckpt: commit it/);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [`${name}.partial.ckpt`]);

  const resumed = await run(Deno.makeTempDirSync({ prefix: "rectifiers-pieces-b-" }), false);
  assert.match(resumed.log, /resuming from the committed piece/);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    `${name}.json`,
    `${name}.safetensors`,
  ]);
  const got = JSON.parse(Deno.readTextFileSync(`${dir}/${name}.json`)).measurements.firstWeight;
  assert.equal(got, expected, "the resumed net is the uninterrupted one");
});

Deno.test("twin reference: our converged mean read against the PyTorch twin's range, inside or outside", async () => {
  const { firstRateDrop, twinRows } = await import("../lib/experiments/twin_reference.ts");
  const lrs = (drop: number) => [1, 2, 3, 4].map((epoch) => ({ epoch, lr: epoch > drop ? 1e-3 : 1e-2 }));
  const run = (kind: string, seed: number, err: number, drop = 9) => ({
    kind,
    seed,
    head: "he",
    dropout: 0,
    converged: true,
    testTop1Err: err,
    epochs: lrs(drop),
  });
  const twin = [run("relu", 1, 0.30, 2), run("relu", 2, 0.32, 3), run("prelu-channel", 1, 0.28)];
  const rows = twinRows(twin, [
    { kind: "relu", label: "ReLU", errs: [0.31, 0.31], firstDrops: [3, null] },
    { kind: "prelu-channel", label: "PReLU", errs: [0.25, 0.26] },
    { kind: "lrelu", label: "LReLU", errs: [0.3] },
  ]);
  assert.equal(rows.length, 2, "no row where the twin has no runs");
  assert.match(rows[0].note!, /our mean 31\.00 within the twin's range \[30\.00, 32\.00\]/);
  assert.match(rows[1].note!, /our mean 25\.50 outside the twin's range \[28\.00, 28\.00\]$/);
  assert.match(rows[0].note!, /first rate drop after epoch 3 \(ours\), 2-3 \(the twin's\)$/);
  assert.equal(firstRateDrop(lrs(9)), null, "never dropped");
  assert.equal(firstRateDrop(lrs(1)), 1);
});

Deno.test("predictions: one character per image round-trips to per-image correctness; a length mismatch is an error", async () => {
  const { predictionString, predictionsCorrect } = await import("../lib/experiments/small_measure.ts");
  const scores = new Float32Array([0.1, 0.9, 0.0, 0.7, 0.2, 0.1, 0.3, 0.3, 0.4]);
  const scored = { scores, labels: [1, 1, 2], top1Err: 0, top5Err: 0, count: 3 };
  const predictions = predictionString(scored, 3);
  assert.equal(predictions, "102");
  assert.deepEqual(predictionsCorrect(predictions, [1, 1, 2]), [true, false, true]);
  assert.throws(() => predictionsCorrect(predictions, [1, 1]), /predictions of 3 images for 2 labels/);
});
