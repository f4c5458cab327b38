/**
 * Any ImageNet-style folder as a dataset: root/train/<class>/* and root/val/<class>/* (or test/), classes from
 * the sorted folder names (synset ids work as they are), JPEG and PNG images of any size. The paper tier streams
 * it at full size (lib/data/stream.ts); the small tiers decode it once at 32 px into the cache, taking only the
 * images per class the tier uses.
 */
import { cached } from "./cache.ts";
import { CIFAR10_CLASSES } from "./cifar_binary.ts";
import { DataError, type ImageSet, type StreamedSet } from "./dataset.ts";
import {
  checkSameClasses,
  contentKey,
  type FolderListing,
  listFolder,
  listingKey,
  listingPerClass,
  loadFolder,
} from "./folder.ts";

export interface ImageFolder {
  root: string;
  /** "cifar10" for a folder of CIFAR-10's classes, else the folder's name. */
  name: string;
  /** The split scored as the test set: val/ where there is one (ImageNet's), else test/. */
  evalSplit: "val" | "test";
  classes: string[];
  train: FolderListing;
  eval: FolderListing;
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** True when `root` has train/ and val/ or test/. */
export function isImageFolder(root: string): boolean {
  return isDir(`${root}/train`) && (isDir(`${root}/val`) || isDir(`${root}/test`));
}

/** Lists both splits and checks they have the same classes; errors name the folder and the fix. */
export function openImageFolder(root: string): ImageFolder {
  const clean = root.replace(/\/+$/, "");
  if (!isDir(clean)) throw new DataError(`image folder ${root} does not exist or is not a folder`);
  if (!isImageFolder(clean)) {
    throw new DataError(
      `${root} is not an ImageNet-style folder: it needs train/<class>/*.jpg and val/<class>/*.jpg (or test/)`,
    );
  }
  const evalSplit = isDir(`${clean}/val`) ? "val" : "test";
  const train = listFolder(clean, "train");
  const evalListing = listFolder(clean, evalSplit);
  checkSameClasses(clean, { train, [evalSplit]: evalListing });
  const same = train.classes.length === CIFAR10_CLASSES.length &&
    train.classes.every((c, i) => c === CIFAR10_CLASSES[i]);
  const name = same ? "cifar10" : clean.split("/").pop()!;
  return { root: clean, name, evalSplit, classes: train.classes, train, eval: evalListing };
}

/** One split of a folder as a streamed set (nothing decoded yet). */
export function streamedSplit(folder: ImageFolder, split: "train" | "eval"): StreamedSet {
  const listing = split === "train" ? folder.train : folder.eval;
  const dir = split === "train" ? "train" : folder.evalSplit;
  return {
    kind: "streamed",
    name: `${folder.name}/${dir}`,
    count: listing.files.length,
    channels: 3,
    classes: listing.classes,
    labels: Uint16Array.from(listing.files, (f) => f.label),
    files: listing.files.map((f) => f.path),
    source: `folder ${folder.root}/${dir}`,
    fingerprint: contentKey(listing).slice(0, 16),
  };
}

/**
 * One split decoded in memory at `size` x `size` (shorter side resized to `size`, centre square), through the
 * decoded cache; `perClass` takes the first images of each class before decoding, so a small tier on a large
 * folder decodes only what it uses.
 */
export async function decodedSplit(
  folder: ImageFolder,
  split: "train" | "eval",
  size: number,
  perClass: number | null,
  log: (s: string) => void,
): Promise<ImageSet> {
  const dir = split === "train" ? "train" : folder.evalSplit;
  let listing = split === "train" ? folder.train : folder.eval;
  if (perClass) listing = listingPerClass(listing, perClass, `${folder.root}/${dir}`);
  const name = `${folder.name}/${dir}` + (perClass ? `[${perClass}/class]` : "");
  return await cached(`${name}@${size}`, listingKey(listing), () => {
    log(`decoding ${listing.files.length} images of ${folder.root}/${dir} at ${size}x${size} (once; cached)`);
    return loadFolder(folder.root, dir, { name, listing, size, log });
  }, log);
}
