/** File helpers: atomic writes (temp file + rename, so a killed run never leaves half a file) and hashing. */
import { createHash } from "node:crypto";

/**
 * The error of a failed write, with the file named and, for a full disk or a read-only place, what to do: the
 * system's own message ("No space left on device (os error 28)") names neither.
 */
export function writeError(path: string, e: unknown): Error {
  const message = (e as Error).message ?? String(e);
  const cache = "the cache's location is RECTIFIERS_CACHE (default .cache/ in the project)";
  const hint = /os error 28|no space left/i.test(message)
    ? `the disk holding it is full: free space there, or move what is written (${cache}; results go to --out)`
    : e instanceof Deno.errors.PermissionDenied || /os error (13|30)|read-only/i.test(message)
    ? `it cannot be written there: fix the permissions, or write elsewhere (${cache}; results go to --out)`
    : null;
  if (!hint) return e instanceof Error ? e : new Error(message);
  return new Error(`cannot write ${path} (${message}): ${hint}`, { cause: e });
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const tmp = `${path}.${Deno.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw writeError(path, e);
  }
}

/** writeFileAtomic for data given in pieces (a checkpoint's tensors), so no single copy of the whole is made. */
export async function writeChunksAtomic(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const tmp = `${path}.${Deno.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      for (const chunk of chunks) {
        for (let done = 0; done < chunk.length;) done += await file.write(chunk.subarray(done));
      }
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw writeError(path, e);
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function md5Hex(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function gunzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** gzip magic bytes. */
export function isGzip(data: Uint8Array): boolean {
  return data.length > 2 && data[0] === 0x1f && data[1] === 0x8b;
}
