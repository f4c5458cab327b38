/**
 * A pool of decode worker threads (lib/data/decode_worker.ts) for sets streamed from disk: jobs are queued and
 * handed to the least busy worker, a few in flight per worker so none waits on a message. How far ahead the
 * pool decodes is bounded by its callers (lib/data/stream.ts), so memory does not grow with the set.
 */
import { DataError } from "./dataset.ts";
import type { CropSpec, Norm } from "./image_ops.ts";

interface JobBase {
  id: number;
  path: string;
  /** Shorter side the image is resized to. */
  side: number;
  norm: Norm;
}

/** Crops of one image (all the same size): training crops, test views. */
export interface CropJob extends JobBase {
  kind: "crops";
  crops: CropSpec[];
}

/** The whole resized image, once per entry of `flips` (dense testing). */
export interface WholeJob extends JobBase {
  kind: "whole";
  flips: boolean[];
}

export type DecodeJob = CropJob | WholeJob;
export type DecodeReply = { id: number; data: Float32Array; h: number; w: number } | {
  id: number;
  error: string;
};

export interface Decoded {
  data: Float32Array;
  /** Size of the resized image. */
  h: number;
  w: number;
}

type Pending = { resolve: (d: Decoded) => void; reject: (e: Error) => void; worker: number };

/** Jobs in flight per worker: one decoding, one waiting, so a worker never idles between messages. */
const IN_FLIGHT = 2;

export function defaultThreads(): number {
  const asked = Number(Deno.env.get("RECTIFIERS_DECODE_THREADS"));
  if (Number.isInteger(asked) && asked > 0) return asked;
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
}

export class DecodePool {
  private workers: Worker[] = [];
  private busy: number[] = [];
  private queue: DecodeJob[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(readonly threads = defaultThreads()) {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(new URL("./decode_worker.ts", import.meta.url), { type: "module" });
      w.onmessage = (e: MessageEvent<DecodeReply>) => this.settle(i, e.data);
      w.onerror = (e) => {
        e.preventDefault();
        this.failWorker(i, new Error(`decode worker ${i} failed: ${e.message}`));
      };
      this.workers.push(w);
      this.busy.push(0);
    }
  }

  /** Decodes one job; rejects with a DataError naming the file when it cannot be read or decoded. */
  run(job: Omit<CropJob, "id"> | Omit<WholeJob, "id">): Promise<Decoded> {
    if (this.closed) return Promise.reject(new Error("the decode pool is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: -1 });
      this.queue.push({ ...job, id } as DecodeJob);
      this.pump();
    });
  }

  /** Stops the workers; jobs still queued or in flight are rejected. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) w.terminate();
    for (const p of this.pending.values()) p.reject(new Error("the decode pool was closed"));
    this.pending.clear();
    this.queue = [];
  }

  private pump(): void {
    while (this.queue.length) {
      let best = 0;
      for (let i = 1; i < this.workers.length; i++) if (this.busy[i] < this.busy[best]) best = i;
      if (this.busy[best] >= IN_FLIGHT) return;
      const job = this.queue.shift()!;
      this.busy[best]++;
      this.pending.get(job.id)!.worker = best;
      this.workers[best].postMessage(job);
    }
  }

  private settle(worker: number, reply: DecodeReply): void {
    const p = this.pending.get(reply.id);
    this.busy[worker]--;
    if (p) {
      this.pending.delete(reply.id);
      if ("error" in reply) p.reject(new DataError(reply.error));
      else p.resolve({ data: reply.data, h: reply.h, w: reply.w });
    }
    this.pump();
  }

  private failWorker(worker: number, error: Error): void {
    for (const [id, p] of this.pending) {
      if (p.worker === worker) {
        this.pending.delete(id);
        p.reject(error);
      }
    }
    this.close();
  }
}

let shared: DecodePool | null = null;

/** The process's decode pool, started on first use. */
export function decodePool(): DecodePool {
  shared ??= new DecodePool();
  return shared;
}

/** Stops the process's decode pool (the CLI does this before it exits). */
export function closeDecodePool(): void {
  shared?.close();
  shared = null;
}
