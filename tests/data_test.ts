/** Data loaders, cache and downloads, on small files the tests make themselves. */
import assert from "node:assert/strict";
import { tarArchive } from "./fixtures/tar.ts";
import jpeg from "jpeg-js";
import { encode as encodePng } from "fast-png";
import { loadFolder } from "../lib/data/folder.ts";
import { CIFAR10_CLASSES, loadCifarBinary } from "../lib/data/cifar_binary.ts";
import { loadIdxPair, parseIdx } from "../lib/data/idx.ts";
import { cached, readCache, writeCache } from "../lib/data/cache.ts";
import { download, extractTar } from "../lib/data/download.ts";
import { DataError, spreadIndices, takePerClass } from "../lib/data/dataset.ts";
import { syntheticImages } from "../lib/data/synthetic.ts";
import { md5Hex } from "../lib/util/fs.ts";

function tmp(): string {
  return Deno.makeTempDirSync({ prefix: "rectifiers-test-" });
}

function noTempFiles(dir: string): void {
  for (const e of Deno.readDirSync(dir)) {
    assert.ok(!e.name.endsWith(".tmp"), `leftover ${e.name}`);
    if (e.isDirectory) noTempFiles(`${dir}/${e.name}`);
  }
}

Deno.test("data: an ImageNet-style folder of JPEG and PNG files decodes to CHW pixels and sorted classes", () => {
  const root = tmp();
  const rgba = (r: number, g: number, b: number, w: number, h: number) =>
    Uint8Array.from({ length: w * h * 4 }, (_, i) => [r, g, b, 255][i % 4]);
  for (const [cls, color] of [["dog", [200, 40, 10]], ["cat", [10, 220, 30]]] as const) {
    Deno.mkdirSync(`${root}/train/${cls}`, { recursive: true });
    const jpg =
      jpeg.encode({ data: rgba(color[0], color[1], color[2], 8, 8), width: 8, height: 8 }, 100).data;
    Deno.writeFileSync(`${root}/train/${cls}/a.jpg`, jpg);
    const png = encodePng({
      width: 8,
      height: 8,
      data: rgba(color[0], color[1], color[2], 8, 8),
      channels: 4,
    });
    Deno.writeFileSync(`${root}/train/${cls}/b.png`, png);
  }
  const set = loadFolder(root, "train", { name: "t/train" });
  assert.deepEqual(set.classes, ["cat", "dog"]);
  assert.deepEqual(Array.from(set.labels), [0, 0, 1, 1]);
  assert.equal(set.height, 8);
  // image 3 is the dog PNG: exact colours, channel planes
  const dog = set.pixels.subarray(3 * 192, 4 * 192);
  assert.deepEqual([dog[0], dog[64], dog[128]], [200, 40, 10]);
  // image 0 is the cat JPEG: colours within JPEG error
  assert.ok(Math.abs(set.pixels[64] - 220) < 8);
  Deno.writeFileSync(`${root}/train/cat/broken.jpg`, new Uint8Array([0xff, 0xd8, 1, 2, 3]));
  assert.throws(() => loadFolder(root, "train", { name: "t" }), /cannot decode image .*broken\.jpg/);
  assert.throws(() => loadFolder(root, "val", { name: "t" }), /image folder .*\/val does not exist/);
});

Deno.test("data: the CIFAR-10 binary format, and a truncated file named in the error", () => {
  const dir = tmp();
  const record = 3073;
  const bytes = new Uint8Array(10000 * record);
  for (let r = 0; r < 10000; r++) {
    bytes[r * record] = r % 10;
    bytes[r * record + 1] = r % 251; // first red pixel
    bytes[r * record + 1 + 1024] = 7; // first green pixel
  }
  Deno.writeFileSync(`${dir}/test_batch.bin`, bytes);
  const set = loadCifarBinary(dir, "test");
  assert.equal(set.count, 10000);
  assert.deepEqual(set.classes, CIFAR10_CLASSES);
  assert.equal(set.labels[13], 3);
  assert.equal(set.pixels[13 * 3072], 13);
  assert.equal(set.pixels[13 * 3072 + 1024], 7);
  Deno.writeFileSync(`${dir}/test_batch.bin`, bytes.subarray(0, 5000));
  assert.throws(
    () => loadCifarBinary(dir, "test"),
    /test_batch\.bin has 5000 bytes, expected 30730000: it is truncated/,
  );
  assert.throws(() => loadCifarBinary(dir, "train"), /data_batch_1\.bin is missing/);
});

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, dims.length === 3 ? 0x803 : 0x801);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("data: IDX files, raw and gzip-compressed", async () => {
  const dir = tmp();
  const pixels = Uint8Array.from({ length: 3 * 4 * 4 }, (_, i) => i);
  Deno.writeFileSync(`${dir}/train-images-idx3-ubyte.gz`, await gzip(idx([3, 4, 4], pixels)));
  Deno.writeFileSync(`${dir}/train-labels-idx1-ubyte`, idx([3], Uint8Array.from([2, 0, 1])));
  const set = await loadIdxPair(dir, "train", "idx/train", ["a", "b", "c"]);
  assert.deepEqual([set.count, set.channels, set.height, set.width], [3, 1, 4, 4]);
  assert.deepEqual(Array.from(set.labels), [2, 0, 1]);
  assert.equal(set.pixels[20], 20);
  assert.throws(
    () => parseIdx(idx([3, 4, 4], pixels).subarray(0, 30), "x.idx"),
    /x\.idx declares 3x4x4 values but holds/,
  );
  assert.throws(
    () => parseIdx(new Uint8Array([1, 2, 3, 4]), "y.idx"),
    /y\.idx is not an unsigned-byte IDX file/,
  );
});

Deno.test("data: the decoded cache round-trips, rebuilds a corrupt entry, and leaves no temp files", async () => {
  const dir = tmp();
  const set = syntheticImages({ count: 20, classes: 4, size: 6 });
  await writeCache(`${dir}/a.bin`, set);
  const back = await readCache(`${dir}/a.bin`);
  assert.deepEqual(back!.pixels, set.pixels);
  assert.deepEqual(back!.labels, set.labels);
  assert.deepEqual(back!.classes, set.classes);
  const bytes = Deno.readFileSync(`${dir}/a.bin`);
  bytes[bytes.length - 1] ^= 0xff;
  Deno.writeFileSync(`${dir}/a.bin`, bytes);
  const warnings: string[] = [];
  assert.equal(await readCache(`${dir}/a.bin`, (s) => warnings.push(s)), null);
  assert.match(warnings[0], /a\.bin is damaged \(checksum or length mismatch\): removing it/);
  noTempFiles(dir);
  Deno.env.set("RECTIFIERS_CACHE", dir);
  let builds = 0;
  const build = () => {
    builds++;
    return set;
  };
  await cached("syn/train", "k1", build, () => {});
  await cached("syn/train", "k1", build, () => {});
  assert.equal(builds, 1, "the second load came from the cache");
  Deno.env.delete("RECTIFIERS_CACHE");
});

Deno.test("data: downloads are checksummed, and a bad one leaves nothing behind", async () => {
  const good = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256);
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    (req) => {
      if (new URL(req.url).pathname === "/missing") return new Response("no", { status: 404 });
      return new Response(good);
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const dir = tmp();
  try {
    await download({ url: `${base}/ok`, md5: md5Hex(good), size: good.length }, `${dir}/ok.bin`, () => {});
    assert.deepEqual(Deno.readFileSync(`${dir}/ok.bin`), good);
    await assert.rejects(
      () => download({ url: `${base}/ok`, md5: "0".repeat(32) }, `${dir}/bad.bin`, () => {}),
      /is corrupt: MD5 .*, expected 0000/,
    );
    await assert.rejects(
      () => download({ url: `${base}/missing`, md5: "x" }, `${dir}/m.bin`, () => {}),
      /HTTP 404/,
    );
    await assert.rejects(
      () => download({ url: `${base}/ok`, md5: md5Hex(good), size: 9999 }, `${dir}/short.bin`, () => {}),
      /truncated: 5000 of 9999 bytes/,
    );
    // Not the file at all: a tiny error page, or more bytes than were published.
    await assert.rejects(
      () => download({ url: `${base}/ok`, md5: md5Hex(good), size: 5_000_000 }, `${dir}/page.bin`, () => {}),
      /gave 5000 bytes where 5000000 were expected: not the file but probably an error or login page/,
    );
    await assert.rejects(
      () => download({ url: `${base}/ok`, md5: md5Hex(good), size: 4000 }, `${dir}/big.bin`, () => {}),
      /gave 5000 bytes, 1000 more than the 4000 published/,
    );
    // A connection that breaks off names the address and how far it got.
    let sent = 0;
    const broken = () =>
      Promise.resolve(
        new Response(
          new ReadableStream({
            pull(c) {
              if (sent++) c.error(new Error("error reading a body from connection"));
              else c.enqueue(good.subarray(0, 100));
            },
          }),
        ),
      );
    await assert.rejects(
      () => download({ url: `${base}/ok`, md5: md5Hex(good) }, `${dir}/cut.bin`, () => {}, broken),
      new RegExp(
        `download of ${base}/ok broke off after 100 bytes \\(error reading a body from connection\\)`,
      ),
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["ok.bin"]);
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("data: tar extraction takes only the named regular files", async () => {
  const tar = tarArchive([
    ["cifar-10-batches-bin/test_batch.bin", new Uint8Array([1, 2, 3])],
    ["cifar-10-batches-bin/readme.html", new Uint8Array([9])],
  ]);
  const files = await extractTar(await gzip(tar), ["test_batch.bin"]);
  assert.deepEqual([...files.keys()], ["test_batch.bin"]);
  assert.deepEqual(Array.from(files.get("test_batch.bin")!), [1, 2, 3]);
  await assert.rejects(() => extractTar(tar, ["data_batch_1.bin"]), /archive lacks data_batch_1\.bin/);
});

Deno.test("data: per-class subsets keep order and balance", () => {
  const set = syntheticImages({ count: 40, classes: 4, size: 4 });
  const small = takePerClass(set, 3);
  assert.equal(small.count, 12);
  assert.deepEqual(Array.from(small.labels), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  assert.deepEqual(small.pixels.subarray(0, 48), set.pixels.subarray(0, 48));
  assert.ok(new DataError("x") instanceof Error);
  // A limited evaluation of a class-by-class set sees every class.
  assert.deepEqual(spreadIndices(10, 4), [0, 2, 5, 7]);
  assert.deepEqual(spreadIndices(3, 10), [0, 1, 2]);
  const byClass = Array.from({ length: 100 }, (_, i) => Math.floor(i / 10));
  assert.equal(new Set(spreadIndices(100, 20).map((i) => byClass[i])).size, 10);
});
