/**
 * Decode speed for the bench: jpeg-js (pure JS) against npm's sharp (libvips) on ImageNet-like JPEGs (500x375,
 * quality 90, a textured picture rather than flat colour), one thread each, decode only and decode + resize to
 * the paper's shorter side 256; and the decode pool's throughput with all its worker threads.
 */
import jpeg from "jpeg-js";
import sharp from "sharp";
import { DecodePool } from "../lib/data/decode_pool.ts";
import { decodeResized, decoderName, loadSharp } from "../lib/data/image_ops.ts";
import { Rng } from "../lib/rng.ts";

export interface DecodeRow {
  what: string;
  imagesPerSecond: number;
}

async function testJpeg(seed: number): Promise<Uint8Array> {
  const [w, h] = [500, 375];
  const rng = new Rng(seed);
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        const v = 128 + 60 * Math.sin(x / (7 + c) + y / 13) + 30 * Math.cos((x * y) / 900) +
          12 * rng.normal();
        rgb[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, v));
      }
    }
  }
  return new Uint8Array(
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer(),
  );
}

async function rate(n: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return n / ((performance.now() - start) / 1000);
}

export async function decodeBench(n: number): Promise<DecodeRow[]> {
  const file = await testJpeg(1);
  const path = `${Deno.makeTempDirSync()}/test.jpg`;
  Deno.writeFileSync(path, file);
  const rows: DecodeRow[] = [];
  rows.push({
    what: "jpeg-js, 500x375 q90, 1 thread",
    imagesPerSecond: await rate(n, () => jpeg.decode(file, { useTArray: true, formatAsRGBA: false })),
  });
  const s = await loadSharp();
  if (s) {
    rows.push({
      what: "sharp (libvips), 500x375 q90, 1 thread",
      imagesPerSecond: await rate(n, () => s(file).raw().toBuffer()),
    });
  }
  rows.push({
    what: `read + decode + resize to shorter side 256 (${await decoderName()}), 1 thread`,
    imagesPerSecond: await rate(n, () => decodeResized(path, 256)),
  });
  const pool = new DecodePool();
  const norm = { mean: [120, 120, 120], scale: 1 / 64 };
  const crop = { side: 256, crop: 224, mode: "draw" as const, fy: 0.3, fx: 0.6, flip: true };
  const batch = () =>
    Promise.all(
      Array.from({ length: 16 }, () => pool.run({ kind: "crops", path, side: 256, norm, crops: [crop] })),
    );
  rows.push({
    what: `decode pool, ${pool.threads} worker threads: 224 training crops`,
    imagesPerSecond: 16 * await rate(Math.max(2, Math.round(n / 16)), batch),
  });
  pool.close();
  return rows;
}
