/**
 * Tensors (contiguous, row-major, NCHW for images) with a tape-based autograd. Memory is explicit: tensors made
 * inside `tidy()` are freed when it returns unless returned or `keep()`-ed, so a training step allocates from and
 * returns to the buffer pool with no garbage-collector involvement.
 */
import type { Backend, Storage } from "./backend.ts";
import { fmtShape, ShapeError } from "./geometry.ts";
import type { Rng } from "./rng.ts";

/** How a tensor was made: its inputs and the map from its output gradient to theirs (null: no gradient). */
export interface GradNode {
  op: string;
  inputs: Tensor[];
  backward(grad: Storage): (Storage | null)[];
}

class SharedStorage {
  refs = 0;
  constructor(readonly storage: Storage, readonly backend: Backend) {}
}

const scopes: Set<Tensor>[] = [];
let gradEnabled = true;

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  grad: Tensor | null = null;
  node: GradNode | null = null;
  /** Optional label used in error messages and parameter listings. */
  name = "";
  private shared: SharedStorage | null;

  constructor(
    readonly backend: Backend,
    storage: Storage | SharedStorage,
    shape: readonly number[],
    public requiresGrad = false,
    tracked = true,
  ) {
    const size = shape.reduce((a, b) => a * b, 1);
    const s = storage instanceof SharedStorage ? storage : new SharedStorage(storage, backend);
    if (s.storage.length !== size) {
      throw new ShapeError(
        `tensor: shape ${fmtShape(shape)} needs ${size} values, storage holds ${s.storage.length}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.size = size;
    s.refs++;
    this.shared = s;
    if (tracked && scopes.length) scopes[scopes.length - 1].add(this);
  }

  static fromArray(
    backend: Backend,
    data: ArrayLike<number>,
    shape: readonly number[],
    opts: { requiresGrad?: boolean; name?: string } = {},
  ): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) {
      throw new ShapeError(`fromArray: shape ${fmtShape(shape)} needs ${size} values, got ${data.length}`);
    }
    const t = new Tensor(backend, backend.upload(data), shape, opts.requiresGrad ?? false);
    t.name = opts.name ?? "";
    return t;
  }

  static zeros(backend: Backend, shape: readonly number[], opts: { requiresGrad?: boolean } = {}): Tensor {
    return new Tensor(
      backend,
      backend.zeros(shape.reduce((a, b) => a * b, 1)),
      shape,
      opts.requiresGrad ?? false,
    );
  }

  /** N(mean, std^2) values from our seeded Rng. */
  static randn(
    backend: Backend,
    shape: readonly number[],
    rng: Rng,
    opts: { mean?: number; std?: number; requiresGrad?: boolean } = {},
  ): Tensor {
    const { mean = 0, std = 1 } = opts;
    const data = Float32Array.from(
      { length: shape.reduce((a, b) => a * b, 1) },
      () => mean + std * rng.normal(),
    );
    return Tensor.fromArray(backend, data, shape, opts);
  }

  /** U[lo, hi) values from our seeded Rng. */
  static uniform(
    backend: Backend,
    shape: readonly number[],
    rng: Rng,
    opts: { lo?: number; hi?: number; requiresGrad?: boolean } = {},
  ): Tensor {
    const { lo = 0, hi = 1 } = opts;
    const data = Float32Array.from(
      { length: shape.reduce((a, b) => a * b, 1) },
      () => lo + (hi - lo) * rng.uniform(),
    );
    return Tensor.fromArray(backend, data, shape, opts);
  }

  get storage(): Storage {
    if (!this.shared) throw new Error(`tensor ${this.name || fmtShape(this.shape)} was used after dispose()`);
    return this.shared.storage;
  }

  get disposed(): boolean {
    return this.shared === null;
  }

  /** Row-major strides in elements. */
  get strides(): number[] {
    const strides = new Array(this.shape.length).fill(1);
    for (let i = this.shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * this.shape[i + 1];
    return strides;
  }

  /** A view with another shape over the same storage; gradients flow back through it. */
  reshape(shape: readonly number[]): Tensor {
    const inferred = inferShape(shape, this.size, this.shape);
    const view = new Tensor(this.backend, this.shared!, inferred);
    if (gradEnabled && this.requiresGrad) {
      view.requiresGrad = true;
      view.node = { op: "reshape", inputs: [this], backward: (g) => [g] };
    }
    return view;
  }

  /** [N, ...] to [N, rest]. */
  flatten(): Tensor {
    return this.reshape([this.shape[0], this.size / this.shape[0]]);
  }

  async toArray(): Promise<Float64Array> {
    return await this.backend.read(this.storage);
  }

  async item(): Promise<number> {
    if (this.size !== 1) {
      throw new ShapeError(`item: needs a one-element tensor, got ${fmtShape(this.shape)}`);
    }
    return (await this.toArray())[0];
  }

  /** Frees the storage once no view uses it. Safe to call twice. */
  dispose(): void {
    if (!this.shared) return;
    if (--this.shared.refs === 0) this.backend.release(this.shared.storage);
    this.shared = null;
    this.node = null;
    for (const scope of scopes) scope.delete(this);
  }

  /**
   * Back-propagates from this scalar through the tape. Leaves with requiresGrad receive (accumulate into)
   * `.grad`; intermediate gradients are freed as soon as they are consumed.
   */
  backward(): void {
    if (this.size !== 1) throw new ShapeError(`backward: needs a scalar loss, got ${fmtShape(this.shape)}`);
    if (!this.requiresGrad) {
      throw new Error("backward: the loss does not depend on any tensor that requires grad");
    }
    const order = topologicalOrder(this);
    const grads = new Map<Tensor, Storage>([[this, this.backend.upload([1])]]);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      if (!t.node) {
        // A leaf: hand its gradient over (untracked, so tidy() does not free it).
        grads.delete(t);
        const leafGrad = new Tensor(t.backend, g, t.shape, false, false);
        if (t.grad) {
          const sum = new Tensor(t.backend, t.backend.axpby(t.grad.storage, g, 1, 1), t.shape, false, false);
          t.grad.dispose();
          leafGrad.dispose();
          t.grad = sum;
        } else {
          t.grad = leafGrad;
        }
        continue;
      }
      const inputGrads = t.node.backward(g);
      grads.delete(t);
      if (!inputGrads.includes(g)) t.backend.release(g);
      t.node.inputs.forEach((input, k) => {
        const ig = inputGrads[k];
        if (!ig || !input.requiresGrad) {
          if (ig && ig !== g) input.backend.release(ig);
          return;
        }
        const prev = grads.get(input);
        if (prev) {
          // A tensor used twice: its gradients add up.
          grads.set(input, input.backend.axpby(prev, ig, 1, 1));
          input.backend.release(prev);
          input.backend.release(ig);
        } else {
          grads.set(input, ig);
        }
      });
    }
    for (const g of grads.values()) this.backend.release(g);
  }
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const input of t.node?.inputs ?? []) {
      if (input.requiresGrad && !seen.has(input)) stack.push([input, false]);
    }
  }
  return order;
}

function inferShape(shape: readonly number[], size: number, from: readonly number[]): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  const known = out.reduce((a, b) => (b === -1 ? a : a * b), 1);
  if (unknown >= 0) out[unknown] = size / known;
  if (out.reduce((a, b) => a * b, 1) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`reshape: cannot view ${fmtShape(from)} (${size} values) as ${fmtShape(shape)}`);
  }
  return out;
}

/** Whether ops now record the tape. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording gradients (evaluation). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** Moves a tensor out of the current tidy scope into the enclosing one (or out of all scopes). */
export function keep<T extends Tensor>(t: T): T {
  const top = scopes[scopes.length - 1];
  if (top?.delete(t) && scopes.length > 1) scopes[scopes.length - 2].add(t);
  return t;
}

/**
 * Runs fn and frees every tensor it made except those in its result (a tensor, or an array or object of them).
 * Works with async functions; scopes must not interleave.
 */
export function tidy<T>(fn: () => T): T {
  scopes.push(new Set());
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope([]);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then((r) => {
      endScope(collectTensors(r));
      return r;
    }, (e) => {
      endScope([]);
      throw e;
    }) as T;
  }
  endScope(collectTensors(result));
  return result;
}

function collectTensors(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(collectTensors);
  if (value && typeof value === "object") return Object.values(value).flatMap(collectTensors);
  return [];
}

function endScope(kept: Tensor[]): void {
  const scope = scopes.pop()!;
  for (const t of kept) scope.delete(t);
  if (scopes.length) { for (const t of kept) if (!t.disposed) scopes[scopes.length - 1].add(t); }
  for (const t of scope) t.dispose();
}
