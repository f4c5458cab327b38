/**
 * Which dataset a run uses: an image folder given by --data or --data-dir, CIFAR-10 where it is, a download by
 * `reproduce` when it is nowhere, and the loud Fashion-MNIST fallback when the download fails (offline).
 */
import assert from "node:assert/strict";
import { tarArchive } from "./fixtures/tar.ts";
import { fetchDataset } from "../lib/data/catalog.ts";
import { cifarBinaryFiles } from "../lib/data/cifar_binary.ts";
import { chooseData } from "../lib/experiments/data.ts";
import type { RunContext } from "../lib/experiments/registry.ts";
import { md5Hex } from "../lib/util/fs.ts";
import { writeImageFolder } from "./fixtures/image_folder.ts";

function context(over: Partial<RunContext>, lines: string[]): RunContext {
  return {
    tier: "smoke",
    seeds: null,
    dataset: null,
    dataDir: null,
    outDir: "results",
    resume: false,
    retrain: false,
    onCorrupt: "stop",
    progress: "none",
    stopSignal: { requested: false },
    overrides: {},
    download: false,
    log: (l) => lines.push(l),
    ...over,
  };
}

/** Runs `fn` with environment variables set, restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(old)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
}

const nowhere = () => ({
  RECTIFIERS_SHARED_DATASETS: "/nonexistent-shared-datasets",
  RECTIFIERS_CACHE: Deno.makeTempDirSync(),
  // Port 9 (discard) refuses connections: the network is unreachable for this download.
  RECTIFIERS_CIFAR10_URL: "http://127.0.0.1:9/cifar-10-binary.tar.gz",
});

Deno.test("data choice: offline, reproduce falls back to Fashion-MNIST loudly when CIFAR-10 cannot be downloaded", async () => {
  const lines: string[] = [];
  const choice = await withEnv(nowhere(), () => chooseData(context({ download: true }, lines)));
  assert.equal(choice.kind, "named");
  assert.equal(choice.kind === "named" && choice.name, "fashion-mnist");
  assert.match(
    choice.kind === "named" ? choice.note ?? "" : "",
    /CIFAR-10 was not found and could not be downloaded/,
  );
  const text = lines.join("\n");
  assert.match(text, /downloading the official binary release/);
  assert.match(text, /could not download CIFAR-10 \(cannot download http:\/\/127\.0\.0\.1:9/);
  assert.match(text, /\*\*\* WARNING: CIFAR-10 was not found/);
  // `exp` does not download: it falls back at once, as loudly.
  const quiet: string[] = [];
  const exp = await withEnv(nowhere(), () => chooseData(context({}, quiet)));
  assert.equal(exp.kind === "named" && exp.name, "fashion-mnist");
  assert.ok(!quiet.join("\n").includes("downloading"));
});

Deno.test("data choice: --data and --data-dir take an ImageNet-style folder; CIFAR-10's classes name it cifar10", async () => {
  const root = Deno.makeTempDirSync({ prefix: "rectifiers-choice-" });
  await writeImageFolder(root, { classes: 2, train: 2, val: 1 });
  for (const over of [{ dataset: root }, { dataDir: root }]) {
    const choice = await chooseData(context(over, []));
    assert.equal(choice.kind, "folder");
    assert.equal(choice.kind === "folder" && choice.folder.name, root.split("/").pop());
  }
  await assert.rejects(
    () => chooseData(context({ dataset: `${root}/train` }, [])),
    /not an ImageNet-style folder/,
  );
});

Deno.test("data choice: the CIFAR-10 download is MD5-checked and extracted into the cache", async () => {
  const members = [...cifarBinaryFiles("train"), ...cifarBinaryFiles("test")];
  const tar = tarArchive(members.map((m, i) => [`cifar-10-batches-bin/${m}`, new Uint8Array([i, 7])]));
  const archive = new Uint8Array(
    await new Response(new Blob([tar]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  const remote = {
    url: "https://mirror.example/cifar-10-binary.tar.gz",
    md5: md5Hex(archive),
    size: archive.length,
  };
  const fetchImpl = (() => Promise.resolve(new Response(archive))) as typeof fetch;
  const cache = Deno.makeTempDirSync();
  const dir = await withEnv(
    { RECTIFIERS_CACHE: cache },
    () => fetchDataset("cifar10", { log: () => {}, fetchImpl, remote }),
  );
  assert.equal(dir, `${cache}/downloads/cifar10/cifar-10-batches-bin`);
  members.forEach((m, i) => assert.deepEqual(Array.from(Deno.readFileSync(`${dir}/${m}`)), [i, 7]));
  // A corrupt download is refused and leaves nothing behind.
  const bad = Deno.makeTempDirSync();
  await assert.rejects(
    () =>
      withEnv(
        { RECTIFIERS_CACHE: bad },
        () =>
          fetchDataset("cifar10", { log: () => {}, fetchImpl, remote: { ...remote, md5: "0".repeat(32) } }),
      ),
    /is corrupt: MD5/,
  );
  let left: string[] = [];
  try {
    left = [...Deno.readDirSync(`${bad}/downloads/cifar10`)].map((f) => f.name);
  } catch { /* never made */ }
  assert.deepEqual(left, []);
});
