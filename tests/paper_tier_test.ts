/**
 * The paper tier end to end on a generated ImageNet-style folder (10 classes x 12 images of mixed sizes): the
 * paper's 14-layer model at 224 px, streamed input, micro-batches, checkpoints and the 10-view test, for a few
 * steps at a small batch (a pipeline check, not accuracy); and streaming memory that does not grow with the set.
 */
import assert from "node:assert/strict";
import { writeImageFolder } from "./fixtures/image_folder.ts";

const cli = new URL("../cli.ts", import.meta.url).pathname;

async function deno(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("paper tier: small-model trains the paper's model on a streamed folder and stores the trained models", async () => {
  const data = Deno.makeTempDirSync({ prefix: "rectifiers-imagenet-" });
  await writeImageFolder(data, { classes: 10, train: 12, val: 3 });
  const out = Deno.makeTempDirSync();
  const env = { RECTIFIERS_CACHE: Deno.makeTempDirSync() };
  const args = [
    "run",
    "-A",
    cli,
    "exp",
    "small-model",
    "--tier",
    "paper",
    "--data",
    data,
    "--seeds",
    "1",
    "--max-steps",
    "2",
    "--batch",
    "4",
    "--micro-batch",
    "2",
    "--eval-images",
    "1",
    "--out",
    out,
    "--progress",
    "lines",
  ];
  const first = await deno(args, env);
  assert.equal(first.code, 0, first.text);
  assert.match(
    first.text,
    /streaming .*: 10 classes, 90 training images, 30 held out for validation, 30 val\/ images/,
  );
  const result = JSON.parse(Deno.readTextFileSync(`${out}/small-model/paper/result.json`));
  assert.equal(result.tier, "paper");
  assert.equal(result.data.classes, 10);
  assert.equal(result.data.input.kind, "streamed");
  assert.equal(result.overrides, "--max-steps 2, --batch 4, --eval-images 1");
  assert.match(result.regime.text, /PIPELINE CHECK/);
  assert.equal(result.runs.length, 4);
  for (const r of result.runs) {
    assert.equal(r.steps, 2);
    assert.equal(r.microBatch, 2);
    assert.ok(Number.isFinite(r.final.centerTop1Err));
  }
  assert.match(Deno.readTextFileSync(`${out}/small-model/paper/result.md`), /pipeline check/i);
  // The trained models are stored, finished, where a later run loads them (resume and reuse are the code
  // every tier shares, tested in train_test.ts and reliability_test.ts).
  const models = [...Deno.readDirSync(`${env.RECTIFIERS_CACHE}/models/paper`)].filter((f) =>
    f.name.endsWith(".ckpt")
  );
  assert.equal(models.length, 4, models.map((m) => m.name).join(", "));
});

Deno.test("paper tier: streaming memory does not grow with the number of images", async () => {
  // Past a warm-up of several hundred images (garbage collection, buffer pools) the peak is flat: measured 350,
  // 578, 682 and 695 MB for 24, 240, 480 and 960 images, give or take 50 MB from run to run (480 against 1440
  // once read 613 and 733 MB: 480 is not always past the warm-up). Compare 960 images with 2880 (the same files
  // linked three times over under other names: decoding is not cached).
  const small = Deno.makeTempDirSync({ prefix: "rectifiers-stream-" });
  await writeImageFolder(small, { classes: 2, train: 400, val: 80, sizes: [[320, 240], [300, 400]] });
  const large = Deno.makeTempDirSync({ prefix: "rectifiers-stream-" });
  for (const split of ["train", "val"]) {
    for (const cls of Deno.readDirSync(`${small}/${split}`)) {
      const dir = `${large}/${split}/${cls.name}`;
      Deno.mkdirSync(dir, { recursive: true });
      for (const f of Deno.readDirSync(`${small}/${split}/${cls.name}`)) {
        for (const copy of [0, 1, 2]) {
          Deno.linkSync(`${small}/${split}/${cls.name}/${f.name}`, `${dir}/${copy}_${f.name}`);
        }
      }
    }
  }
  const peak: number[] = [];
  for (const dir of [small, large]) {
    const r = await deno([
      "run",
      "-A",
      new URL("./fixtures/stream_memory.ts", import.meta.url).pathname,
      dir,
    ]);
    assert.equal(r.code, 0, r.text);
    const m = JSON.parse(r.text.trim().split("\n").at(-1)!);
    peak.push(m.peakMB);
    console.log(`streaming ${m.images} images: peak resident memory ${m.peakMB.toFixed(0)} MB`);
  }
  // 1920 more images held as decoded 256-side images would take 500 MB, as 224 crops 1.2 GB. The peak itself
  // varies by up to about 130 MB between runs of one size (960, 2880 and 8640 images once read 689, 761 and 718
  // MB): allow 200.
  assert.ok(
    peak[1] - peak[0] < 200,
    `peak resident memory ${peak[0].toFixed(0)} MB, then ${peak[1].toFixed(0)} MB`,
  );
});
