/**
 * Downloads from a dataset's official address: streamed with progress, size and MD5 checked against the
 * published values, written atomically (nothing half-written stays behind), and a minimal tar reader that
 * extracts only the expected regular files.
 */
import { DataError } from "./dataset.ts";
import { gunzip, md5Hex, writeFileAtomic } from "../util/fs.ts";

export interface RemoteFile {
  url: string;
  md5: string;
  /** Published size in bytes, when known. */
  size?: number;
}

export async function download(
  file: RemoteFile,
  dest: string,
  log: (line: string) => void = console.log,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  let response: Response;
  try {
    response = await fetchImpl(file.url);
  } catch (e) {
    throw new DataError(
      `cannot download ${file.url}: ${
        (e as Error).message
      }. Without network access, copy the file into the ` +
        `data directory by hand and pass --data-dir.`,
    );
  }
  if (!response.ok || !response.body) {
    throw new DataError(`cannot download ${file.url}: HTTP ${response.status} ${response.statusText}`);
  }
  const total = Number(response.headers.get("content-length")) || file.size || 0;
  const chunks: Uint8Array[] = [];
  let received = 0;
  let lastReport = 0;
  const reader = response.body.getReader();
  // A bar redrawn in place on a terminal; a line every 10 s in a log.
  const bar = Deno.stdout.isTerminal() && log === console.log;
  const name = file.url.split("/").pop();
  while (true) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (e) {
      throw new DataError(
        `download of ${file.url} broke off after ${received} bytes (${(e as Error).message}). Try again; ` +
          "without network access, copy the file into the data directory by hand and pass --data-dir.",
      );
    }
    const { done, value } = next;
    if (done) break;
    chunks.push(value);
    received += value.length;
    if (Date.now() - lastReport > (bar ? 200 : 10000)) {
      lastReport = Date.now();
      const frac = total ? received / total : 0;
      const mb = `${(received / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ""} MB`;
      if (bar) {
        const filled = Math.round(30 * frac);
        const text = `\r  ${name} [${"#".repeat(filled)}${".".repeat(30 - filled)}] ${
          (100 * frac).toFixed(0)
        }% ${mb}`;
        Deno.stdout.writeSync(new TextEncoder().encode(text));
      } else log(`  ${name}: ${mb}${total ? ` (${(100 * frac).toFixed(0)}%)` : ""}`);
    }
  }
  if (bar) Deno.stdout.writeSync(new TextEncoder().encode("\n"));
  const data = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    data.set(c, offset);
    offset += c.length;
  }
  if (file.size && received !== file.size) throw new DataError(sizeProblem(file, data));
  const md5 = md5Hex(data);
  if (md5 !== file.md5) {
    throw new DataError(`download of ${file.url} is corrupt: MD5 ${md5}, expected ${file.md5}. Try again.`);
  }
  await writeFileAtomic(dest, data);
  log(`  ${dest}: ${(received / 1e6).toFixed(1)} MB, MD5 verified`);
}

/** What a download of the wrong size most likely is, with the fix: cut short, or not the file at all. */
function sizeProblem(file: RemoteFile, data: Uint8Array): string {
  const got = data.length;
  const want = file.size!;
  if (got < want / 100) {
    const head = new TextDecoder().decode(data.subarray(0, 80)).replace(/\s+/g, " ").trim();
    return `download of ${file.url} gave ${got} bytes where ${want} were expected: not the file but probably ` +
      `an error or login page ("${head}"). Check the address and your network or proxy, or copy the file by ` +
      "hand and pass --data-dir.";
  }
  if (got > want) {
    return `download of ${file.url} gave ${got} bytes, ${
      got - want
    } more than the ${want} published: not the ` +
      "published file (the server or a proxy sent something else). Copy the file by hand and pass --data-dir.";
  }
  return `download of ${file.url} is truncated: ${got} of ${want} bytes (the connection ended early). Try again.`;
}

/** Regular files of a (gzip-compressed) tar archive whose base names are in `wanted`. */
export async function extractTar(archive: Uint8Array, wanted: string[]): Promise<Map<string, Uint8Array>> {
  const tar = archive[0] === 0x1f && archive[1] === 0x8b ? await gunzip(archive) : archive;
  const out = new Map<string, Uint8Array>();
  const decoder = new TextDecoder();
  let pos = 0;
  while (pos + 512 <= tar.length) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      decoder.decode(header.subarray(start, start + len)).replace(/\0.*$/s, "");
    const name = field(345, 155) ? `${field(345, 155)}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156]);
    const base = name.split("/").pop()!;
    if ((type === "0" || type === "\0") && wanted.includes(base)) {
      if (pos + 512 + size > tar.length) throw new DataError(`archive member ${name} is truncated`);
      out.set(base, tar.slice(pos + 512, pos + 512 + size));
    }
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  const missing = wanted.filter((w) => !out.has(w));
  if (missing.length) throw new DataError(`archive lacks ${missing.join(", ")}`);
  return out;
}
