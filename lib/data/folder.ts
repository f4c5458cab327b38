/**
 * ImageNet-style folders: root/<split>/<class>/*.jpg|png (CIFAR-10 in ../shared, Imagenette, ImageNet itself).
 * Classes are the sorted folder names. Images of another size are brought to `size` (shorter side, centre crop).
 */
import { checkImageSet, classAndName, DataError, type ImageSet } from "./dataset.ts";
import { decodeImage, fitSquare } from "./decode.ts";
import { createHash } from "node:crypto";

const IMAGE = /\.(jpe?g|png)$/i;

export interface FolderListing {
  classes: string[];
  files: { path: string; label: number; size: number; mtime: number }[];
  /**
   * Entries of the class folders that are not read (skipped, and said so): files that are not .jpg, .jpeg or
   * .png, and subfolders (whose paths end in "/": images must sit directly in their class folder).
   */
  skipped: string[];
}

/** A directory entry's kind, symbolic links followed (as torchvision's ImageFolder does). */
function kindOf(path: string, entry: Deno.DirEntry): "dir" | "file" | "other" {
  if (entry.isDirectory) return "dir";
  if (entry.isFile) return "file";
  if (!entry.isSymlink) return "other";
  try {
    const st = Deno.statSync(path);
    return st.isDirectory ? "dir" : st.isFile ? "file" : "other";
  } catch {
    return "other"; // a dangling link
  }
}

export function listFolder(root: string, split: string): FolderListing {
  const dir = `${root}/${split}`;
  let classes: string[];
  try {
    classes = [...Deno.readDirSync(dir)].filter((e) => kindOf(`${dir}/${e.name}`, e) === "dir").map((e) =>
      e.name
    ).sort();
  } catch {
    throw new DataError(`image folder ${dir} does not exist: expected ${root}/${split}/<class>/*.jpg`);
  }
  if (!classes.length) throw new DataError(`image folder ${dir} has no class folders`);
  const files: FolderListing["files"] = [];
  const skipped: string[] = [];
  classes.forEach((cls, label) => {
    let names: string[];
    try {
      const all = [...Deno.readDirSync(`${dir}/${cls}`)];
      const kind = (e: Deno.DirEntry) => kindOf(`${dir}/${cls}/${e.name}`, e);
      const entries = all.filter((e) => kind(e) === "file");
      names = entries.filter((e) => IMAGE.test(e.name)).map((e) => e.name).sort();
      skipped.push(...entries.filter((e) => !IMAGE.test(e.name)).map((e) => `${dir}/${cls}/${e.name}`));
      skipped.push(...all.filter((e) => kind(e) === "dir").map((e) => `${dir}/${cls}/${e.name}/`).sort());
    } catch (e) {
      throw new DataError(`cannot read the class folder ${dir}/${cls}: ${(e as Error).message}`);
    }
    // An empty class would still get a label and shift every later class's label against the other split.
    if (!names.length) {
      throw new DataError(
        `class folder ${dir}/${cls} holds no .jpg or .png images: remove it or add its images (an empty class ` +
          "would shift the labels of the classes after it)",
      );
    }
    for (const name of names) {
      const path = `${dir}/${cls}/${name}`;
      let st: Deno.FileInfo;
      try {
        st = Deno.statSync(path);
      } catch (e) {
        throw new DataError(`cannot read ${path}: ${(e as Error).message}`);
      }
      if (st.size === 0) throw new DataError(`${path} is empty (0 bytes): replace or delete it`);
      files.push({ path, label, size: st.size, mtime: st.mtime?.getTime() ?? 0 });
    }
  });
  return { classes, files, skipped };
}

/**
 * "skipped 3 files that are not .jpg, .jpeg or .png (a/b.txt, ...)" and "skipped 1 subfolder of a class folder
 * (...): images must sit directly in their class folder", or null when nothing was skipped.
 */
export function skippedText(listing: FolderListing): string | null {
  const folders = listing.skipped.filter((p) => p.endsWith("/"));
  const files = listing.skipped.filter((p) => !p.endsWith("/"));
  const shown = (xs: string[]) => `${xs.slice(0, 3).join(", ")}${xs.length > 3 ? ", ..." : ""}`;
  const parts: string[] = [];
  if (files.length) {
    parts.push(
      `skipped ${files.length} file${files.length > 1 ? "s" : ""} that ${files.length > 1 ? "are" : "is"} ` +
        `not .jpg, .jpeg or .png (${shown(files)})`,
    );
  }
  if (folders.length) {
    parts.push(
      `skipped ${folders.length} subfolder${folders.length > 1 ? "s" : ""} of class folders, not read ` +
        `(${shown(folders)}): images must sit directly in their class folder`,
    );
  }
  return parts.length ? parts.join("; ") : null;
}

/** The first `n` files of each class, in order; an error when a class has fewer. */
export function listingPerClass(listing: FolderListing, n: number, what: string): FolderListing {
  const counts = new Array(listing.classes.length).fill(0);
  const files = listing.files.filter((f) => counts[f.label]++ < n);
  counts.forEach((c, label) => {
    if (c < n) {
      throw new DataError(
        `${what}: class ${listing.classes[label]} has ${c} images, fewer than the ${n} per class this run ` +
          "takes: add images or use a smaller tier",
      );
    }
  });
  return { ...listing, files };
}

/** The class lists of a folder's splits must be the same, or labels would mean different classes. */
export function checkSameClasses(root: string, listings: Record<string, FolderListing>): void {
  const [first, ...rest] = Object.entries(listings);
  for (const [split, l] of rest) {
    const a = first[1].classes;
    const b = l.classes;
    if (a.length === b.length && a.every((c, i) => c === b[i])) continue;
    const onlyA = a.filter((c) => !b.includes(c));
    const onlyB = b.filter((c) => !a.includes(c));
    throw new DataError(
      `${root}: the class folders of ${first[0]}/ and ${split}/ differ` +
        (onlyA.length ? `; only in ${first[0]}/: ${onlyA.join(", ")}` : "") +
        (onlyB.length ? `; only in ${split}/: ${onlyB.join(", ")}` : "") +
        ". Both splits need the same classes, or a label would mean different classes in each.",
    );
  }
}

/**
 * The decoded cache's key for a listing: every file's path, size and modification time, plus the SHA-256 of the
 * content of up to `sample` files spread over the set (all of them in a small set), so a replaced image is
 * noticed even when its size is unchanged.
 */
export function listingKey(listing: FolderListing, sample = 1000): string {
  const h = createHash("sha256");
  for (const f of listing.files) h.update(`${f.path}\0${f.size}\0${f.mtime}\n`);
  hashSample(h, listing, sample);
  return h.digest("hex");
}

/**
 * What a listing's images are, wherever the folder lies and whenever it was copied: each file's class folder,
 * name and size, plus the content of up to `sample` files spread over the set. Trained models are keyed by it,
 * so moving or copying a dataset does not make them look like another data's.
 */
export function contentKey(listing: FolderListing, sample = 1000): string {
  const h = createHash("sha256");
  for (const f of listing.files) h.update(`${classAndName(f.path)}\0${f.size}\n`);
  hashSample(h, listing, sample);
  return h.digest("hex");
}

function hashSample(h: ReturnType<typeof createHash>, listing: FolderListing, sample: number): void {
  const n = listing.files.length;
  const step = Math.max(1, Math.floor(n / sample));
  for (let i = 0; i < n; i += step) h.update(Deno.readFileSync(listing.files[i].path));
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
