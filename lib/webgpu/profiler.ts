/**
 * A profile of the engine's work (`deno task profile`): with a profiler attached, every dispatch runs in a compute
 * pass of its own with timestamps at its start and end (where the adapter offers timestamp queries), and the
 * host's time recording it is measured; both are summed under the current scope (the backend op that issued
 * the dispatch, set by the caller) and the kernel. Submits and readback waits are timed too. Without a profiler
 * the engine records dispatches as always (one pass for many), so profiling never changes normal runs.
 */

export interface ProfileRow {
  scope: string;
  kernel: string;
  dispatches: number;
  /** Device time between the pass's timestamps (0 without timestamp queries). */
  deviceMs: number;
  /** Host time spent recording the dispatches (pipeline lookup, uniforms, bind group, encoding). */
  hostMs: number;
}

/** Timestamp pairs per query set (WebGPU allows 4096 queries in one set). */
const PAIRS_PER_SET = 2048;

interface PendingSet {
  set: GPUQuerySet;
  resolve: GPUBuffer;
  staging: GPUBuffer;
  keys: string[];
}

export class Profiler {
  private readonly rows = new Map<string, ProfileRow>();
  private scopeStack: string[] = [];
  private current: { set: GPUQuerySet; keys: string[] } | null = null;
  private pending: PendingSet[] = [];
  /** Host time in submits, and in waiting for readbacks. */
  submitMs = 0;
  submits = 0;
  readbackMs = 0;
  readbacks = 0;

  constructor(private readonly device: GPUDevice, readonly timestamps: boolean) {}

  /** Runs `fn` with `scope` as the label of its dispatches (an outer scope wins over inner ones). */
  scoped<T>(scope: string, fn: () => T): T {
    this.scopeStack.push(scope);
    try {
      return fn();
    } finally {
      this.scopeStack.pop();
    }
  }

  private key(kernel: string): string {
    return `${this.scopeStack[0] ?? "other"}\u0000${kernel}`;
  }

  private row(key: string): ProfileRow {
    let r = this.rows.get(key);
    if (!r) {
      const [scope, kernel] = key.split("\u0000");
      r = { scope, kernel, dispatches: 0, deviceMs: 0, hostMs: 0 };
      this.rows.set(key, r);
    }
    return r;
  }

  /** The timestamp writes for the next dispatch's own pass (undefined without timestamp queries). */
  passTimestamps(kernel: string): GPUComputePassTimestampWrites | undefined {
    if (!this.timestamps) return undefined;
    if (!this.current || this.current.keys.length === PAIRS_PER_SET) this.closeSet();
    this.current ??= {
      set: this.device.createQuerySet({ type: "timestamp", count: 2 * PAIRS_PER_SET }),
      keys: [],
    };
    const i = this.current.keys.length;
    this.current.keys.push(this.key(kernel));
    return { querySet: this.current.set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Adds one dispatch's host recording time. */
  recorded(kernel: string, hostMs: number): void {
    const r = this.row(this.key(kernel));
    r.dispatches++;
    r.hostMs += hostMs;
  }

  /** Resolves the open query set into `encoder` before it is submitted. */
  beforeSubmit(encoder: GPUCommandEncoder): void {
    if (!this.current) return;
    const { set, keys } = this.current;
    const bytes = 16 * keys.length;
    const resolve = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    const staging = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.resolveQuerySet(set, 0, 2 * keys.length, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, staging, 0, bytes);
    this.pending.push({ set, resolve, staging, keys });
    this.current = null;
  }

  private closeSet(): void {
    // A full set is resolved at the next submit; starting another needs the old one out of `current`.
    if (this.current && this.current.keys.length === PAIRS_PER_SET) {
      throw new Error("profiler: a query set filled before a submit; the engine flushes before that");
    }
  }

  /** Reads every resolved timestamp pair into the rows (after the work is submitted). */
  async collect(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) {
      await p.staging.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(p.staging.getMappedRange().slice(0));
      p.staging.unmap();
      p.keys.forEach((key, i) => {
        const ns = Number(t[2 * i + 1] - t[2 * i]);
        // A pair the driver did not write (both zero) or wrote out of order adds nothing.
        if (ns > 0) this.row(key).deviceMs += ns / 1e6;
      });
      [p.resolve, p.staging].forEach((b) => b.destroy());
      p.set.destroy();
    }
  }

  /** The rows so far, largest device time first (host time where there are no timestamps). */
  table(): ProfileRow[] {
    return [...this.rows.values()].sort((a, b) => (b.deviceMs + b.hostMs) - (a.deviceMs + a.hostMs));
  }

  reset(): void {
    this.rows.clear();
    this.submitMs = this.readbackMs = 0;
    this.submits = this.readbacks = 0;
  }
}
