/**
 * A claim on a stored artefact (a model being trained) by one process: a lock file holding the owner's PID and
 * host, made atomically (written beside it, then hard-linked into place, so nobody reads a half-written claim).
 * The owner touches the file every `heartbeatMs`. Another process that needs the same artefact waits for the
 * claim to go, then finds the artefact made. A claim is stale, and taken over, when its owner is known to be gone
 * (same host, no such process) or when its heartbeat stopped (older than four beats): the second rule covers
 * what a PID cannot tell, such as PID reuse, a cache shared between machines, or a /proc that hides processes.
 */
import { hostname } from "node:os";

interface Owner {
  pid: number;
  host: string;
  since: string;
  what: string;
}

export interface ClaimTiming {
  /** How often a waiter looks again. */
  pollMs: number;
  /** How often the owner refreshes the claim's modification time. */
  heartbeatMs: number;
}

const DEFAULT_TIMING: ClaimTiming = { pollMs: 2000, heartbeatMs: 30_000 };

/**
 * Whether a process with this PID runs on this machine (Linux: /proc; elsewhere assume it does). A zombie (exited,
 * not yet reaped) counts as gone, and so does a PID that names a thread of another process (/proc shows threads'
 * IDs too, and a gone process's PID can be reused for one).
 */
function alive(pid: number): boolean {
  if (Deno.build.os !== "linux") return true;
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const field = (name: string) => status.match(new RegExp(`^${name}:\\s*(\\S+)`, "m"))?.[1];
    return field("Tgid") === String(pid) && field("State") !== "Z" && field("State") !== "X";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
  }
  // Deno opens /proc/<pid>/ only with --allow-all (elsewhere it refuses, which once read as "alive" forever);
  // without it, ask the shell's kill -0, which needs only --allow-run. The heartbeat covers what this cannot tell.
  try {
    const out = new Deno.Command("sh", { args: ["-c", 'kill -0 "$1"', "sh", String(pid)], stderr: "piped" })
      .outputSync();
    return out.success || !/no such process/i.test(new TextDecoder().decode(out.stderr));
  } catch {
    return true;
  }
}

function readOwner(path: string): Owner | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as Owner;
  } catch {
    return null;
  }
}

/** Claims this process holds now, so that a hard exit can drop them instead of leaving them to go stale. */
const held = new Set<string>();

/** Removes every claim this process holds (for an exit that skips the finally blocks, e.g. a second Ctrl-C). */
export function releaseHeldClaims(): void {
  for (const path of held) {
    const owner = readOwner(path);
    if (owner?.pid === Deno.pid) {
      try {
        Deno.removeSync(path);
      } catch { /* gone already */ }
    }
  }
  held.clear();
}

/** Milliseconds since the claim file was last touched, or null when it is gone. */
function ageMs(path: string): number | null {
  try {
    const mtime = Deno.statSync(path).mtime;
    return mtime ? Date.now() - mtime.getTime() : 0;
  } catch {
    return null;
  }
}

/** Makes the claim file with its content in one step; false when someone holds it. */
async function tryCreate(path: string, me: Owner): Promise<boolean> {
  const draft = `${path}.${me.pid}.${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(draft, JSON.stringify(me));
  try {
    await Deno.link(draft, path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  } finally {
    await Deno.remove(draft).catch(() => {});
  }
}

/** Why the claim at `path` may be taken over, or null while its owner is live. */
function staleReason(path: string, me: Owner, heartbeatMs: number): string | null {
  const owner = readOwner(path);
  const age = ageMs(path);
  if (age === null) return null; // released meanwhile: just try again
  if (owner && owner.host === me.host && !alive(owner.pid)) return `process ${owner.pid} is gone`;
  if (age > 4 * heartbeatMs) {
    return `${owner ? `process ${owner.pid} on ${owner.host}` : "unreadable claim"}: no heartbeat for ${
      Math.round(age / 1000)
    } s`;
  }
  return null;
}

/**
 * Runs `fn` holding the claim at `path` (made beside the artefact). Waits while another live process holds it;
 * takes over a stale claim.
 */
export async function withClaim<T>(
  path: string,
  what: string,
  log: (line: string) => void,
  fn: () => Promise<T>,
  timing: Partial<ClaimTiming> = {},
): Promise<T> {
  const { pollMs, heartbeatMs } = { ...DEFAULT_TIMING, ...timing };
  const me: Owner = { pid: Deno.pid, host: hostname(), since: new Date().toISOString(), what };
  let waited = false;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")) || ".", { recursive: true });
  while (!(await tryCreate(path, me))) {
    const stale = staleReason(path, me, heartbeatMs);
    if (stale) {
      log(`   stale claim ${path} (${stale}): taking it over`);
      await Deno.remove(path).catch(() => {});
      continue;
    }
    if (!waited) {
      const owner = readOwner(path);
      log(
        `   another run (${
          owner ? `process ${owner.pid} on ${owner.host}, since ${owner.since}` : "claim being written"
        }) is making ${what}: waiting`,
      );
      waited = true;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  held.add(path);
  const beat = setInterval(() => {
    const now = new Date();
    try {
      Deno.utimeSync(path, now, now);
    } catch { /* released or taken over: the next beat or the finally block sees it */ }
  }, heartbeatMs);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    held.delete(path);
    const owner = readOwner(path);
    if (owner?.pid === me.pid && owner.host === me.host) await Deno.remove(path).catch(() => {});
  }
}
