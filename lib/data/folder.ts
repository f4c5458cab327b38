/**
 * ImageNet-style folders: root/<split>/<class>/*.jpg|png (CIFAR-10 in ../shared, Imagenette, ImageNet itself).
 * Classes are the sorted folder names. Images of another size are brought to `size` (shorter side, centre crop).
 */
import { checkImageSet, DataError, type ImageSet } from "./dataset.ts";
import { decodeImage, fitSquare } from "./decode.ts";

const IMAGE = /\.(jpe?g|png)$/i;

export interface FolderListing {
  classes: string[];
  files: { path: string; label: number; size: number }[];
}

export function listFolder(root: string, split: string): FolderListing {
  const dir = `${root}/${split}`;
  let classes: string[];
  try {
    classes = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  } catch {
    throw new DataError(`image folder ${dir} does not exist: expected ${root}/${split}/<class>/*.jpg`);
  }
  if (!classes.length) throw new DataError(`image folder ${dir} has no class folders`);
  const files: FolderListing["files"] = [];
  classes.forEach((cls, label) => {
    const names = [...Deno.readDirSync(`${dir}/${cls}`)].filter((e) => e.isFile && IMAGE.test(e.name)).map((
      e,
    ) => e.name)
      .sort();
    for (const name of names) {
      const path = `${dir}/${cls}/${name}`;
      files.push({ path, label, size: Deno.statSync(path).size });
    }
  });
  if (!files.length) throw new DataError(`image folder ${dir} holds no .jpg or .png files`);
  return { classes, files };
}

export function loadFolder(
  root: string,
  split: string,
  opts: { name: string; channels?: 1 | 3; size?: number; listing?: FolderListing; log?: (s: string) => void },
): ImageSet {
  const { classes, files } = opts.listing ?? listFolder(root, split);
  const channels = opts.channels ?? 3;
  let size = opts.size ?? 0;
  let pixels: Uint8Array | null = null;
  const labels = new Uint16Array(files.length);
  const started = Date.now();
  files.forEach((f, i) => {
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(f.path);
    } catch (e) {
      throw new DataError(`cannot read ${f.path}: ${(e as Error).message}`);
    }
    const img = decodeImage(bytes, f.path, channels);
    if (!size) {
      if (img.width !== img.height) {
        throw new DataError(
          `${f.path} is ${img.width}x${img.height}: pass an image size to load non-square images`,
        );
      }
      size = img.width;
    }
    pixels ??= new Uint8Array(files.length * channels * size * size);
    pixels.set(fitSquare(img, size), i * channels * size * size);
    labels[i] = f.label;
    if (opts.log && (i + 1) % 10000 === 0) {
      opts.log(`  decoded ${i + 1}/${files.length} images (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  });
  return checkImageSet({
    name: opts.name,
    pixels: pixels!,
    labels,
    count: files.length,
    channels,
    height: size,
    width: size,
    classes,
    source: `folder ${root}/${split}`,
  });
}
