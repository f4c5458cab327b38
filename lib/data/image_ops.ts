/**
 * What a decode worker does to one image file (lib/data/decode_worker.ts), also callable on the main thread:
 * decode (npm's sharp, i.e. libvips, where it installed; jpeg-js / fast-png otherwise), bring it to RGB
 * (greyscale replicated, CMYK converted, alpha dropped), resize so the shorter side is `side`, then cut crops or
 * the whole image, normalized, as CHW floats. Crop positions are fractions, so the main thread draws them (and
 * so every batch stays a pure function of its seed) without knowing the image's size.
 */
import { decodeImage, resizeBilinear } from "./decode.ts";
import { DataError } from "./dataset.ts";

/** A crop of `crop` x `crop` from the image resized to shorter side `side`. */
export interface CropSpec {
  side: number;
  crop: number;
  /**
   * Where, as fractions of the free range R = size - crop. "draw" (training): top = floor(fy * (R + 1)), so a
   * uniform fy gives every position the same chance. "place" (test views): top = floor(fy * R), so 0, 0.5 and
   * 1 are the first, middle and last positions.
   */
  mode: "draw" | "place";
  fy: number;
  fx: number;
  flip: boolean;
  /** Per-channel shift added before mean subtraction (AlexNet's colour altering), 0..255 units. */
  shift?: number[];
}

export interface Norm {
  mean: number[];
  scale: number;
}

/** An image decoded and resized: interleaved RGB bytes, row after row. */
export interface RgbImage {
  h: number;
  w: number;
  rgb: Uint8Array;
}

type Sharp = typeof import("sharp");
let sharpModule: Sharp | null | undefined;

/** npm's sharp (prebuilt libvips), or null where it did not install or load; loaded once per thread. */
export async function loadSharp(): Promise<Sharp | null> {
  if (sharpModule !== undefined) return sharpModule;
  if (Deno.env.get("RECTIFIERS_DECODER") === "jpeg-js") return (sharpModule = null);
  try {
    const mod = await import("sharp");
    sharpModule = (mod.default ?? mod) as Sharp;
    sharpModule.concurrency(1); // one decode per worker thread: the pool runs the workers in parallel
    sharpModule.cache(false); // every file is decoded once per use; libvips' cache would only hold memory
  } catch {
    sharpModule = null;
  }
  return sharpModule;
}

/** The decoder this thread uses, for result records. */
export async function decoderName(): Promise<string> {
  const sharp = await loadSharp();
  return sharp
    ? `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`
    : "jpeg-js 0.4.4 / fast-png";
}

/** Size of the image resized so its shorter side is `side` (the longer side rounded). */
export function resizedSize(h: number, w: number, side: number): { h: number; w: number } {
  const s = side / Math.min(h, w);
  return { h: Math.max(side, Math.round(h * s)), w: Math.max(side, Math.round(w * s)) };
}

async function readImageFile(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new DataError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (bytes.length === 0) throw new DataError(`${path} is empty (0 bytes): replace or delete it`);
  return bytes;
}

/** The file decoded to RGB and resized so its shorter side is `side`. */
export async function decodeResized(path: string, side: number): Promise<RgbImage> {
  const bytes = await readImageFile(path);
  const sharp = await loadSharp();
  if (sharp) {
    try {
      // failOn "error" rejects truncated and corrupt files instead of returning a partly grey image. No EXIF
      // rotation: the pixels are used as stored, as PIL-based (torchvision) pipelines use them.
      const img = sharp(bytes, { failOn: "error" });
      const meta = await img.metadata();
      if (!meta.width || !meta.height) throw new Error("no image size in the file");
      if (meta.format !== "jpeg" && meta.format !== "png") {
        throw new Error(`a ${meta.format} file, not JPEG or PNG`);
      }
      const size = resizedSize(meta.height, meta.width, side);
      const { data, info } = await img.removeAlpha().toColourspace("srgb")
        .resize({ width: size.w, height: size.h, fit: "fill" }).raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels === 3) return { h: info.height, w: info.width, rgb: new Uint8Array(data) };
      const rgb = new Uint8Array(info.width * info.height * 3);
      for (let i = 0; i < info.width * info.height; i++) rgb.fill(data[i * info.channels], 3 * i, 3 * i + 3);
      return { h: info.height, w: info.width, rgb };
    } catch (e) {
      throw new DataError(
        `cannot decode image ${path}: ${(e as Error).message}. Replace or delete the file.`,
      );
    }
  }
  const img = decodeImage(bytes, path, 3);
  const size = resizedSize(img.height, img.width, side);
  const chw = resizeBilinear(img.pixels, 3, img.height, img.width, size.h, size.w);
  const plane = size.h * size.w;
  const rgb = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgb[3 * i + c] = Math.round(chw[c * plane + i]);
  }
  return { h: size.h, w: size.w, rgb };
}

/** Top-left corner of a crop in an h x w image. */
export function cropOrigin(img: { h: number; w: number }, c: CropSpec): { top: number; left: number } {
  const at = (f: number, free: number) =>
    c.mode === "draw" ? Math.min(Math.floor(f * (free + 1)), free) : Math.floor(f * free);
  if (img.h < c.crop || img.w < c.crop) {
    throw new DataError(`a ${c.crop}x${c.crop} crop does not fit an image resized to ${img.h}x${img.w}`);
  }
  return { top: at(c.fy, img.h - c.crop), left: at(c.fx, img.w - c.crop) };
}

/** Writes one normalized crop (3 x crop x crop, CHW) into `out` at `offset`. */
export function cutCrop(img: RgbImage, c: CropSpec, norm: Norm, out: Float32Array, offset: number): void {
  const { top, left } = cropOrigin(img, c);
  const n = c.crop;
  for (let ch = 0; ch < 3; ch++) {
    const sub = norm.mean[ch] - (c.shift?.[ch] ?? 0);
    for (let y = 0; y < n; y++) {
      const row = ((top + y) * img.w + left) * 3 + ch;
      const dst = offset + (ch * n + y) * n;
      for (let x = 0; x < n; x++) {
        out[dst + x] = (img.rgb[row + 3 * (c.flip ? n - 1 - x : x)] - sub) * norm.scale;
      }
    }
  }
}

/** The whole image, normalized, as 3 x h x w floats, mirrored if asked (dense testing). */
export function wholeImage(img: RgbImage, flip: boolean, norm: Norm): Float32Array {
  return cutRegion(img, 0, 0, img.h, img.w, flip, norm);
}

function cutRegion(
  img: RgbImage,
  top: number,
  left: number,
  h: number,
  w: number,
  flip: boolean,
  norm: Norm,
): Float32Array {
  const out = new Float32Array(3 * h * w);
  for (let ch = 0; ch < 3; ch++) {
    for (let y = 0; y < h; y++) {
      const row = ((top + y) * img.w + left) * 3 + ch;
      const dst = (ch * h + y) * w;
      for (let x = 0; x < w; x++) {
        out[dst + x] = (img.rgb[row + 3 * (flip ? w - 1 - x : x)] - norm.mean[ch]) * norm.scale;
      }
    }
  }
  return out;
}

/** The test views of AlexNet's protocol as "place" fractions: the centre, or 4 corners and centre, each mirrored. */
export function viewSpecs(views: "center" | "ten", side: number, crop: number): CropSpec[] {
  const spots: [number, number][] = views === "center"
    ? [[0.5, 0.5]]
    : [[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5]];
  const flips = views === "center" ? [false] : [false, true];
  return flips.flatMap((flip) =>
    spots.map(([fy, fx]): CropSpec => ({ side, crop, mode: "place", fy, fx, flip }))
  );
}
