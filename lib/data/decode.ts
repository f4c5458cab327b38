/**
 * JPEG and PNG decoding to CHW uint8 (jpeg-js with its memory limits set, fast-png), plus the bilinear resize
 * used to bring images of varying size to one size.
 */
import jpeg from "jpeg-js";
import { convertIndexedToRgb, decode as decodePng } from "fast-png";
import { DataError } from "./dataset.ts";

export interface Decoded {
  width: number;
  height: number;
  channels: number;
  /** CHW planes. */
  pixels: Uint8Array;
}

/** Limits that bound what a corrupt or hostile file can make the decoder allocate. */
const MAX_MEGAPIXELS = 64;
const MAX_MEMORY_MB = 1024;

export function decodeImage(bytes: Uint8Array, path: string, channels: 1 | 3): Decoded {
  let width: number, height: number, rgba: Uint8Array, stride: number;
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_MEGAPIXELS,
        maxMemoryUsageInMB: MAX_MEMORY_MB,
      });
      ({ width, height } = img);
      rgba = img.data;
      stride = 4;
    } else if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      const img = decodePngChecked(bytes);
      ({ width, height } = img);
      if (img.palette) {
        // Palette images hold indices: expand them to their colours (as sharp does), not read them as grey.
        rgba = convertIndexedToRgb(img);
        stride = img.palette[0].length;
      } else {
        if (img.depth !== 8) throw new Error(`${img.depth}-bit PNG is not supported (8-bit only)`);
        rgba = img.data as Uint8Array;
        stride = img.channels;
      }
    } else {
      throw new Error("not a JPEG or PNG file");
    }
  } catch (e) {
    throw new DataError(`cannot decode image ${path}: ${(e as Error).message}. Replace or delete the file.`);
  }
  const plane = width * height;
  const pixels = new Uint8Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    const r = rgba[i * stride];
    const g = stride >= 3 ? rgba[i * stride + 1] : r;
    const b = stride >= 3 ? rgba[i * stride + 2] : r;
    if (channels === 3) {
      pixels[i] = r;
      pixels[plane + i] = g;
      pixels[2 * plane + i] = b;
    } else {
      pixels[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  return { width, height, channels, pixels };
}

/** A PNG's size from its IHDR chunk (bytes 16-23), read before anything is allocated. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length < 24) throw new Error("truncated PNG (no IHDR chunk)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const IEND = new Uint8Array([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * fast-png with the decoders' pixel limit checked first (a 1 MB PNG can declare 400 megapixels), and a file
 * that lacks only its closing IEND chunk read as sharp reads it, instead of failing with a DataView error.
 */
function decodePngChecked(bytes: Uint8Array) {
  const { width, height } = pngSize(bytes);
  if (width * height > MAX_MEGAPIXELS * 1e6) {
    throw new Error(
      `${width}x${height} pixels is more than the ${MAX_MEGAPIXELS} megapixels decoded (refused before decoding)`,
    );
  }
  const tail = bytes.subarray(bytes.length - IEND.length);
  const hasEnd = tail.length === IEND.length && tail.every((b, i) => b === IEND[i]);
  if (hasEnd) return decodePng(bytes);
  try {
    return decodePng(bytes);
  } catch {
    const closed = new Uint8Array(bytes.length + IEND.length);
    closed.set(bytes);
    closed.set(IEND, bytes.length);
    return decodePng(closed);
  }
}

/** Bilinear resize of CHW float or uint8 planes (pixel centres aligned, as OpenCV's INTER_LINEAR). */
export function resizeBilinear(
  src: ArrayLike<number>,
  channels: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  out: Float32Array = new Float32Array(channels * oh * ow),
): Float32Array {
  const sy = h / oh;
  const sx = w / ow;
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      for (let c = 0; c < channels; c++) {
        const p = c * h * w;
        const top = src[p + y0 * w + x0] * (1 - wx) + src[p + y0 * w + x1] * wx;
        const bottom = src[p + y1 * w + x0] * (1 - wx) + src[p + y1 * w + x1] * wx;
        out[c * oh * ow + y * ow + x] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

/** Resize so the shorter side is `size`, then take the central size x size square (for mixed-size folders). */
export function fitSquare(img: Decoded, size: number): Uint8Array {
  if (img.width === size && img.height === size) return img.pixels;
  const scale = size / Math.min(img.width, img.height);
  const rh = Math.max(size, Math.round(img.height * scale));
  const rw = Math.max(size, Math.round(img.width * scale));
  const resized = resizeBilinear(img.pixels, img.channels, img.height, img.width, rh, rw);
  const out = new Uint8Array(img.channels * size * size);
  const top = Math.floor((rh - size) / 2);
  const left = Math.floor((rw - size) / 2);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        out[(c * size + y) * size + x] = Math.round(resized[(c * rh + y + top) * rw + x + left]);
      }
    }
  }
  return out;
}
