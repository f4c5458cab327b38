/**
 * Bind groups reused across training steps. Once the buffer pool has settled (a few steps), a step records the
 * same dispatches on the same pooled buffers and uniform-arena slots as the step before, so each of its bind
 * groups can be the one built last time.
 * Besides saving the host the work of building hundreds per step, this bounds what the driver holds: a bind
 * group is only freed when JavaScript's garbage collector gets to it, and lavapipe from Mesa 24 on backs every
 * descriptor set with a memory mapping of its own, so between collections tens of thousands pile up and can
 * reach the kernel's per-process limit on mappings (vm.max_map_count), where the driver crashes.
 */
export class BindGroupCache {
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  /** Bind groups built so far (a step that repeats the one before builds none). */
  built = 0;

  /** At most this many bind groups are kept; the least recently used go first. */
  constructor(private readonly device: GPUDevice, private readonly capacity = 4096) {}

  get size(): number {
    return this.groups.size;
  }

  /** The bind group of `pipeline`'s group 0 over `entries`, built once per distinct set of bindings. */
  get(pipeline: GPUComputePipeline, entries: GPUBindGroupEntry[]): GPUBindGroup {
    const key = this.key(pipeline, entries);
    const found = this.groups.get(key);
    if (found) {
      // Map order is insertion order: moving a hit to the end keeps the oldest entry first.
      this.groups.delete(key);
      this.groups.set(key, found);
      return found;
    }
    let layout = this.layouts.get(pipeline);
    if (!layout) {
      layout = pipeline.getBindGroupLayout(0);
      this.layouts.set(pipeline, layout);
    }
    const group = this.device.createBindGroup({ layout, entries });
    this.built++;
    this.groups.set(key, group);
    if (this.groups.size > this.capacity) this.groups.delete(this.groups.keys().next().value!);
    return group;
  }

  /** Forgets every bind group: call before destroying buffers they may bind. */
  clear(): void {
    this.groups.clear();
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  private key(pipeline: GPUComputePipeline, entries: GPUBindGroupEntry[]): string {
    let key = `${this.id(pipeline)}`;
    for (const e of entries) {
      const r = e.resource as GPUBufferBinding;
      key += `|${e.binding}:${this.id(r.buffer)}:${r.offset ?? 0}:${r.size ?? "all"}`;
    }
    return key;
  }
}
