/**
 * A claim on a stored artefact (a model being trained) by one process: a lock file holding the owner's PID and
 * host, made with an exclusive create. Another process that needs the same artefact waits for the claim to go,
 * then finds the artefact made; a claim whose owner is no longer running (killed, crashed) is stale and is
 * taken over.
 */
import { hostname } from "node:os";

interface Owner {
  pid: number;
  host: string;
  since: string;
  what: string;
}

/** Whether a process with this PID runs on this machine (Linux: /proc; elsewhere assume it does). */
function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound) || Deno.build.os !== "linux";
  }
}

function readOwner(path: string): Owner | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as Owner;
  } catch {
    return null;
  }
}

/**
 * Runs `fn` holding the claim at `path` (made beside the artefact). Waits, polling every `pollMs`, while another
 * live process holds it; takes over a stale claim (its owner gone, or unreadable).
 */
export async function withClaim<T>(
  path: string,
  what: string,
  log: (line: string) => void,
  fn: () => Promise<T>,
  pollMs = 2000,
): Promise<T> {
  const me: Owner = { pid: Deno.pid, host: hostname(), since: new Date().toISOString(), what };
  let waited = false;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")) || ".", { recursive: true });
  for (;;) {
    try {
      const file = await Deno.open(path, { write: true, createNew: true });
      await file.write(new TextEncoder().encode(JSON.stringify(me)));
      file.close();
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const owner = readOwner(path);
    if (!owner || (owner.host === me.host && !alive(owner.pid))) {
      log(
        `   stale claim ${path} (${owner ? `process ${owner.pid} is gone` : "unreadable"}): taking it over`,
      );
      await Deno.remove(path).catch(() => {});
      continue;
    }
    if (!waited) {
      log(
        `   another run (process ${owner.pid} on ${owner.host}, since ${owner.since}) is making ${what}: waiting`,
      );
      waited = true;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await fn();
  } finally {
    const owner = readOwner(path);
    if (owner?.pid === me.pid && owner.host === me.host) await Deno.remove(path).catch(() => {});
  }
}
