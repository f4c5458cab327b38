/**
 * Reliability: no silent wrong results and failures before training rather than after. Each test here covers a
 * fault found by probing the suite as a careful user would (an empty class folder, a stale decoded cache, a
 * damaged checkpoint, an unwritable --out, repeated seeds, no Vulkan driver, a missing --data-dir, two runs
 * training the same model, truncated stored scores).
 */
import assert from "node:assert/strict";
import jpegJs from "jpeg-js";
import { checkSameClasses, listFolder, listingKey } from "../lib/data/folder.ts";
import { parseSeeds } from "../lib/cli/main.ts";
import { prepareRun } from "../lib/cli/run.ts";
import { withClaim } from "../lib/util/lock.ts";
import { loadCheckpoint, saveCheckpoint } from "../lib/train/checkpoint.ts";
import {
  storedCheckpoint,
  storedScores,
  type TrainedModel,
  trainNetwork,
} from "../lib/experiments/common.ts";
import { type Experiment, registerAll, type RunContext } from "../lib/experiments/registry.ts";
import { EXPERIMENTS } from "../experiments/index.ts";
import { syntheticImages } from "../lib/data/synthetic.ts";
import type { DataSet } from "../lib/data/dataset.ts";
import type { LoadedData } from "../lib/experiments/data.ts";
import type { NetSpec } from "../lib/models/network.ts";
import type { TrainConfig } from "../lib/train/trainer.ts";
import { readResults } from "../lib/results/expectations.ts";
import { writeTierReport } from "../lib/cli/report.ts";
import { PROJECT_ROOT } from "../lib/util/paths.ts";
import { writeError } from "../lib/util/fs.ts";
import { encode as encodePng } from "fast-png";
import { decodeImage } from "../lib/data/decode.ts";
import { skippedText } from "../lib/data/folder.ts";
import { openImageFolder } from "../lib/data/image_folder.ts";
import { synset, writeImageFolder } from "./fixtures/image_folder.ts";

function jpeg(path: string, seed: number, size = 8): void {
  const data = new Uint8Array(size * size * 4).map((_, i) => (i * 37 + seed * 91) % 256);
  Deno.writeFileSync(path, jpegJs.encode({ data, width: size, height: size }, 90).data);
}

function folder(classes: Record<string, Record<string, number>>): string {
  const root = Deno.makeTempDirSync();
  for (const [split, counts] of Object.entries(classes)) {
    for (const [cls, n] of Object.entries(counts)) {
      Deno.mkdirSync(`${root}/${split}/${cls}`, { recursive: true });
      for (let i = 0; i < n; i++) jpeg(`${root}/${split}/${cls}/${i}.jpg`, i);
    }
  }
  return root;
}

Deno.test("reliability: an empty class folder is an error naming it, not a silent shift of the labels", () => {
  const root = folder({ train: { a: 2, b: 2, empty: 0 }, test: { a: 1, b: 1 } });
  assert.throws(
    () => listFolder(root, "train"),
    /class folder .*train\/empty holds no \.jpg or \.png images/,
  );
});

Deno.test("reliability: different class lists in train and test are an error listing the difference", () => {
  const root = folder({ train: { a: 2, b: 2, c: 2 }, test: { a: 1, b: 1, d: 1 } });
  assert.throws(
    () => checkSameClasses(root, { train: listFolder(root, "train"), test: listFolder(root, "test") }),
    /class folders of train\/ and test\/ differ; only in train\/: c; only in test\/: d/,
  );
});

Deno.test("reliability: the decoded cache's key changes when an image's bytes change, size and mtime kept", () => {
  const root = folder({ train: { a: 3, b: 3 } });
  const before = listingKey(listFolder(root, "train"));
  const path = `${root}/train/a/1.jpg`;
  const { mtime, size } = Deno.statSync(path);
  const bytes = Deno.readFileSync(path);
  bytes[bytes.length - 3] ^= 0x55; // same size, different pixels
  Deno.writeFileSync(path, bytes);
  Deno.utimeSync(path, mtime!, mtime!);
  assert.equal(Deno.statSync(path).size, size);
  assert.notEqual(listingKey(listFolder(root, "train")), before);
});

Deno.test("reliability: a damaged checkpoint is an error with its path (truncated or bit-flipped)", async () => {
  const path = `${Deno.makeTempDirSync()}/m.ckpt`;
  await saveCheckpoint(path, { state: { epoch: 1, step: 0 }, tensors: [Float32Array.from([1, 2, 3, 4])] });
  assert.ok(await loadCheckpoint(path));
  const file = Deno.readFileSync(path);
  Deno.writeFileSync(path, file.slice(0, file.length - 4));
  await assert.rejects(() => loadCheckpoint(path), new RegExp(`${path} is damaged`));
  const flipped = file.slice();
  flipped[file.length - 2] ^= 1;
  Deno.writeFileSync(path, flipped);
  await assert.rejects(() => loadCheckpoint(path), /damaged \(checksum or length mismatch\)/);
  const header = file.slice();
  header[file.indexOf(10) + 12] ^= 4; // inside the JSON state
  Deno.writeFileSync(path, header);
  await assert.rejects(() => loadCheckpoint(path), /is damaged/);
  Deno.writeTextFileSync(path, "RECTIFIERS-CHECKPOINT-1\n{}\n");
  await assert.rejects(() => loadCheckpoint(path), /is not a RECTIFIERS-CHECKPOINT-3 file/);
});

Deno.test("reliability: --out is made and probed, and --data-dir checked, before any work", async () => {
  const dir = Deno.makeTempDirSync();
  await prepareRun({ out: `${dir}/new/results` });
  assert.ok(Deno.statSync(`${dir}/new/results`).isDirectory, "made");
  Deno.writeFileSync(`${dir}/file`, new Uint8Array(1));
  await assert.rejects(() => prepareRun({ out: `${dir}/file/results` }), /--out .* cannot be written/);
  await assert.rejects(
    () => prepareRun({ out: dir, dataDir: "/nonexistent-data-dir" }),
    /--data-dir \/nonexistent-data-dir does not exist or is not a folder/,
  );
});

Deno.test("reliability: repeated, empty or aliasing seeds are errors", () => {
  assert.deepEqual(parseSeeds("1,2,3"), [1, 2, 3]);
  assert.throws(() => parseSeeds("1,1"), /repeats seed 1/);
  assert.throws(() => parseSeeds("1,,2"), /empty entry/);
  assert.throws(() => parseSeeds("1,x"), /non-negative integers/);
  // 4294967317 = 2^32 + 21: the generator would take it as seed 21 and train the same net twice.
  assert.throws(() => parseSeeds("21,4294967317"), /4294967317 is above 999999/);
  assert.deepEqual(parseSeeds("0,999999"), [0, 999999]);
});

Deno.test("reliability: with no Vulkan driver there is no adapter, and doctor fails, rather than OpenGL", async () => {
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...args],
      env: { VK_ICD_FILENAMES: "/nonexistent.json" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const probe = await run([new URL("../lib/webgpu/probe.ts", import.meta.url).pathname]);
  assert.equal(probe.code, 1, new TextDecoder().decode(probe.stdout));
  assert.match(new TextDecoder().decode(probe.stderr), /no WebGPU adapter on vulkan/);
  const doctor = await run([new URL("../cli.ts", import.meta.url).pathname, "doctor"]);
  assert.notEqual(doctor.code, 0);
  assert.match(new TextDecoder().decode(doctor.stdout), /No Vulkan WebGPU adapter/);
});

Deno.test("reliability: a second run waits for the claim on a model; a claim whose owner is gone or silent is taken over", async () => {
  // A hang here must fail the test, not stall CI: every wait below is bounded.
  const bounded = <T>(p: Promise<T>, what: string) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${what}: still waiting after 20 s`)), 20_000)
      ),
    ]);
  const timing = { pollMs: 20, heartbeatMs: 200 };
  const lock = `${Deno.makeTempDirSync()}/model.ckpt.lock`;
  const order: string[] = [];
  const first = withClaim(lock, "m", () => {}, async () => {
    order.push("first starts");
    await new Promise((r) => setTimeout(r, 1000)); // longer than four heartbeats: the owner's beat keeps it
    order.push("first ends");
  }, timing);
  await new Promise((r) => setTimeout(r, 50));
  const lines: string[] = [];
  const second = withClaim(lock, "m", (l) => lines.push(l), () => {
    order.push("second runs");
    return Promise.resolve();
  }, timing);
  await bounded(Promise.all([first, second]), "two claims");
  assert.deepEqual(order, ["first starts", "first ends", "second runs"]);
  // Same process holds both claims here, so the second saw a live owner and waited.
  assert.match(lines.join("\n"), /another run .* is making m: waiting/);
  assert.doesNotMatch(lines.join("\n"), /stale/);

  // A claim left by a process that is gone is stale: Linux never hands out a PID above 2^22 (PID_MAX_LIMIT).
  const gonePid = 2 ** 22 + 1;
  const host = (await import("node:os")).hostname();
  Deno.writeTextFileSync(lock, JSON.stringify({ pid: gonePid, host, since: "", what: "m" }));
  const gone: string[] = [];
  await bounded(
    withClaim(lock, "m", (l) => gone.push(l), () => Promise.resolve(), timing),
    "claim of a gone process",
  );
  assert.match(gone.join("\n"), new RegExp(`stale claim .*process ${gonePid} is gone`));
  assert.throws(() => Deno.statSync(lock), Deno.errors.NotFound, "released");

  // A claim whose heartbeat stopped is stale even if its PID still runs (reused, or on another machine).
  Deno.writeTextFileSync(lock, JSON.stringify({ pid: Deno.pid, host: "elsewhere", since: "", what: "m" }));
  const old = new Date(Date.now() - 60_000);
  Deno.utimeSync(lock, old, old);
  const silent: string[] = [];
  await bounded(withClaim(lock, "m", (l) => silent.push(l), () => Promise.resolve(), timing), "silent claim");
  assert.match(silent.join("\n"), /stale claim .*no heartbeat for 60 s/);
});

Deno.test("reliability: stored scores carry a checksum; a truncated file is reported and recomputed", async () => {
  const dir = Deno.makeTempDirSync();
  const lines: string[] = [];
  const ctx = {
    tier: "smoke",
    retrain: false,
    log: (l: string) => lines.push(l),
  } as unknown as RunContext;
  Deno.env.set("RECTIFIERS_CACHE", dir);
  try {
    const model = { label: "m", key: "k" } as TrainedModel;
    let computed = 0;
    const compute = () => {
      computed++;
      return Promise.resolve({
        top1Err: 0.5,
        top5Err: 0.1,
        count: 2,
        scores: Float32Array.from([1, 2, 3, 4]),
      });
    };
    await storedScores(ctx, model, { p: 1 }, compute);
    await storedScores(ctx, model, { p: 1 }, compute);
    assert.equal(computed, 1, "read back the second time");
    const [file] = [...Deno.readDirSync(`${dir}/models/smoke`)].filter((e) => e.name.endsWith(".scores"));
    const path = `${dir}/models/smoke/${file.name}`;
    const bytes = Deno.readFileSync(path);
    Deno.writeFileSync(path, bytes.slice(0, bytes.length - 4)); // one float short: still a multiple of 4
    const again = await storedScores(ctx, model, { p: 1 }, compute);
    assert.equal(computed, 2, "recomputed");
    assert.equal(again.scores.length, 4);
    assert.match(lines.join("\n"), /stored scores .* are damaged/);
  } finally {
    Deno.env.delete("RECTIFIERS_CACHE");
  }
});

Deno.test("reliability: a damaged stored model stops the run by default, or is trained again on request", async () => {
  const path = `${Deno.makeTempDirSync()}/m.ckpt`;
  await saveCheckpoint(path, {
    state: { configKey: "k", epoch: 1, step: 0 },
    tensors: [new Float32Array(4)],
  });
  const file = Deno.readFileSync(path);
  Deno.writeFileSync(path, file.slice(0, file.length - 8));
  const lines: string[] = [];
  const ctx = (onCorrupt: "stop" | "retrain") =>
    ({ onCorrupt, log: (l: string) => lines.push(l) }) as unknown as RunContext;
  await assert.rejects(
    () => storedCheckpoint(ctx("stop"), path),
    new RegExp(`stored model ${path} is damaged .*--on-corrupt retrain`),
  );
  assert.equal(await storedCheckpoint(ctx("retrain"), path), null);
  assert.match(lines.join("\n"), /WARNING: stored model .* is damaged .* training it again from scratch/);
  assert.throws(
    () => Deno.statSync(path),
    Deno.errors.NotFound,
    "the damaged file is removed before retraining",
  );
});

Deno.test("reliability: one Ctrl-C to the process group (delivered twice, as by deno task) saves and stops", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "rectifiers-sigint-" });
  const ckpt = `${dir}/ckpt`;
  // setsid: the child leads a process group of its own, as a command started from a terminal does.
  const child = new Deno.Command("setsid", {
    args: [
      Deno.execPath(),
      "run",
      "-A",
      new URL("./fixtures/interrupt_child.ts", import.meta.url).pathname,
      ckpt,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /ready/);
  // The terminal's SIGINT to the group, then deno task's forwarded copy a moment later.
  const kill = (sig: string) =>
    new Deno.Command("kill", { args: [`-${sig}`, "--", `-${child.pid}`] }).outputSync();
  kill("INT");
  await new Promise((r) => setTimeout(r, 50));
  kill("INT");
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    rest += new TextDecoder().decode(r.value);
  }
  const status = await child.status;
  const err = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  assert.equal(status.code, 130, err);
  assert.equal(Deno.readTextFileSync(ckpt), "checkpoint", "the checkpoint was written, not skipped");
  assert.match(rest, /checkpoint saved/);
  assert.match(err, /interrupt: saving a checkpoint/);
  assert.doesNotMatch(err, /quitting without saving/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("reliability: check and report name a damaged result.json, and the report goes on past it", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "rectifiers-bad-results-" });
  const good = Deno.readTextFileSync(`${PROJECT_ROOT}/results/model-complexity/default/result.json`);
  const put = (id: string, text: string) => {
    Deno.mkdirSync(`${dir}/${id}/default`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/${id}/default/result.json`, text);
  };
  put("model-complexity", good);
  put("init-variance", good.slice(0, good.length / 2)); // truncated
  put("small-model", ""); // empty
  put("init-depth", good.replace(/"values": \[/, '"values": [NaN, ')); // NaN is not JSON
  for (const id of ["init-variance", "small-model", "init-depth"]) {
    await assert.rejects(
      () => readResults(dir, "default", [id]),
      new RegExp(`${dir}/${id}/default/result.json is (empty|not valid JSON)`),
    );
  }
  registerAll(EXPERIMENTS);
  const path = await writeTierReport(dir, "default");
  const report = Deno.readTextFileSync(path);
  assert.match(
    report,
    /`init-variance`'s result could not be read: .*init-variance\/default\/result\.json is not valid JSON/,
  );
  assert.match(report, /small-model\/default\/result\.json is empty/);
  assert.match(
    report,
    /## Table 3 Architectures of the large models/,
    "the readable result is still reported",
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("reliability: a full disk is an error naming the file and where the cache can go", () => {
  // The system's own message for ENOSPC, as Deno reports it (no path, no hint).
  const raw = new Error("No space left on device (os error 28)");
  const e = writeError("/cache/models/default/a.ckpt", raw);
  assert.match(e.message, /cannot write \/cache\/models\/default\/a\.ckpt/);
  assert.match(e.message, /disk holding it is full/);
  assert.match(e.message, /RECTIFIERS_CACHE/);
  // Other errors pass through as they are.
  const other = new Error("something else");
  assert.equal(writeError("/x", other), other);
});

Deno.test("reliability: PNGs: palette colours, no IEND, and a huge declared size refused before decoding", () => {
  // A palette image: index 0 red, 1 blue. Read as grey it would give R = G = B.
  const palette = encodePng({
    width: 2,
    height: 1,
    data: new Uint8Array([0, 1]),
    depth: 8,
    channels: 1,
    palette: [[255, 0, 0], [0, 0, 255]],
  });
  const p = decodeImage(palette, "palette.png", 3);
  assert.deepEqual(
    [...p.pixels],
    [255, 0, 0, 0, 0, 255],
    "CHW planes: R = [255, 0], G = [0, 0], B = [0, 255]",
  );
  // Without its final IEND chunk: decoded as sharp does, the same pixels.
  const rgb = encodePng({
    width: 3,
    height: 2,
    data: Uint8Array.from({ length: 18 }, (_, i) => 10 * i),
    channels: 3,
  });
  const whole = decodeImage(rgb, "whole.png", 3);
  const cut = decodeImage(rgb.subarray(0, rgb.length - 12), "no-iend.png", 3);
  assert.deepEqual([...cut.pixels], [...whole.pixels]);
  // 20000 x 20000 declared in the header: refused by its size, before any pixel is allocated.
  const huge = rgb.slice();
  const view = new DataView(huge.buffer);
  view.setUint32(16, 20000);
  view.setUint32(20, 20000);
  assert.throws(
    () => decodeImage(huge, "huge.png", 3),
    /huge\.png: 20000x20000 pixels is more than the 64 megapixels/,
  );
});

Deno.test("reliability: symlinked class folders are followed; subfolders of a class are named as skipped", async () => {
  const root = Deno.makeTempDirSync({ prefix: "rectifiers-links-" });
  await writeImageFolder(root, { classes: 3, train: 2, val: 1 });
  // The third class of train/ lives elsewhere, linked in (a common way to assemble a subset of ImageNet).
  const moved = `${root}/elsewhere`;
  Deno.renameSync(`${root}/train/${synset(2)}`, moved);
  Deno.symlinkSync(moved, `${root}/train/${synset(2)}`);
  // An image one level too deep.
  Deno.mkdirSync(`${root}/train/${synset(0)}/extra`);
  Deno.copyFileSync(
    `${moved}/${[...Deno.readDirSync(moved)][0].name}`,
    `${root}/train/${synset(0)}/extra/a.jpg`,
  );
  const folder = openImageFolder(root);
  assert.equal(folder.classes.length, 3, "the linked class is a class");
  assert.equal(folder.train.files.filter((f) => f.label === 2).length, 2, "its images are read");
  assert.match(skippedText(folder.train)!, /skipped 1 subfolder of class folders, not read \(.*\/extra\/\)/);
  Deno.removeSync(root, { recursive: true });
});

Deno.test("reliability: the model store never replaces a finished model of another configuration", async () => {
  const cache = Deno.makeTempDirSync({ prefix: "rectifiers-store-" });
  Deno.env.set("RECTIFIERS_CACHE", cache);
  const train = syntheticImages({ count: 64, classes: 4, size: 12, seed: 1 });
  const val = syntheticImages({ count: 16, classes: 4, size: 12, seed: 2 });
  // The store keys data by content (the fingerprint), never by path.
  const data = (fingerprint: string) =>
    ({
      train,
      val,
      test: val,
      fingerprint,
    }) as unknown as LoadedData<DataSet>;
  const spec: NetSpec = {
    name: "toy",
    input: [3, 12, 12],
    classes: 4,
    activation: "relu",
    convInit: { kind: "he-forward" },
    fcInit: [{ kind: "he-forward" }],
    layers: [
      { type: "conv", name: "conv1", filters: 4, kernel: 3, pad: 1 },
      { type: "spp", name: "spp", levels: [1] },
      { type: "fc", name: "fc1", units: 4 },
    ],
  };
  const config = (batchSize: number, maxSteps?: number): TrainConfig => ({
    epochs: 1,
    batchSize,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: { kind: "steps", base: 0.01, milestones: [], factor: 0.1 },
    augment: { crop: 12, scale: [12, 12], flip: false, pcaStd: 0 },
    norm: { mean: [0, 0, 0], scale: 1 / 64 },
    pca: { vectors: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], values: [0, 0, 0] },
    seed: 1,
    val: { views: "center", side: 12, crop: 12, batchSize: 16 },
    evalPoints: 0,
    readEvery: 2,
    ...(maxSteps ? { maxSteps } : {}),
  });
  const lines: string[] = [];
  const ctx = (resume = false) =>
    ({
      tier: "smoke",
      resume,
      retrain: false,
      onCorrupt: "stop",
      progress: "none",
      log: (l: string) => lines.push(l),
      stopSignal: { requested: false },
      overrides: {},
    }) as unknown as RunContext;
  const exp = { id: "store-test" } as Experiment;
  const trainOne = async (cfg: TrainConfig, fingerprint = "f", resume = false) => {
    const m = await trainNetwork(ctx(resume), exp, {
      label: "toy-seed1",
      spec,
      config: cfg,
      data: data(fingerprint),
    });
    m.net.dispose();
    return m;
  };
  try {
    const full = await trainOne(config(16));
    assert.equal(full.reused, false);
    const files = () => [...Deno.readDirSync(`${cache}/models/smoke`)].map((e) => e.name).sort();
    const [first] = files();
    const bytes = Deno.readFileSync(`${cache}/models/smoke/${first}`);
    // A pipeline check (--max-steps), another --batch, a resume with another batch, other images of the
    // same name: each trains a model of its own, and the finished one stays as it was.
    await trainOne(config(16, 2));
    await trainOne(config(8));
    await trainOne(config(4), "f", true);
    assert.match(lines.join("\n"), /no checkpoint of this configuration of toy-seed1 .* which are kept/);
    await trainOne(config(16), "other images");
    assert.equal(files().filter((f) => f.endsWith(".ckpt")).length, 5, files().join(", "));
    assert.deepEqual(
      Deno.readFileSync(`${cache}/models/smoke/${first}`),
      bytes,
      "the finished model is intact",
    );
    const again = await trainOne(config(16));
    assert.equal(again.reused, true, "the original configuration loads its model instead of training again");
  } finally {
    Deno.env.delete("RECTIFIERS_CACHE");
    Deno.removeSync(cache, { recursive: true });
  }
});
