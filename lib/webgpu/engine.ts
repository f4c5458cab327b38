/**
 * The WebGPU device layer: one device per process, limits requested explicitly, pipelines compiled inside error
 * scopes and cached, buffers pooled, and every dispatch recorded into one command encoder that is submitted only
 * on flush or readback (a dispatch costs ~0.1 ms and a readback ~12 ms on lavapipe: batch, read back rarely).
 */
import { Profiler } from "./profiler.ts";
import {
  type AdapterSummary,
  chooseApi,
  DeviceLimitError,
  type LimitReport,
  LOWERED_LIMITS,
  NoAdapterError,
  RAISED_LIMITS,
  REQUIRED_LIMITS,
} from "./adapter.ts";

export {
  type AdapterSummary,
  chooseApi,
  DeviceLimitError,
  type LimitReport,
  NoAdapterError,
} from "./adapter.ts";
import { loadKernelSource } from "./kernel_source.ts";
import { expandGemm, expandImplicitGemm, type GemmBlock } from "./gemm_variant.ts";
import { type ParamField, paramLayout, writeParams } from "./params.ts";
import { BindGroupCache } from "./bind_groups.ts";

/** A kernel file, or a templated kernel with the variant to expand (a GEMM's register block). */
export type KernelRef = string | { name: string; block: GemmBlock };

/** The expander of each templated kernel. */
const TEMPLATES: Record<string, (source: string, block: GemmBlock) => string> = {
  gemm_packed: expandGemm,
  gemm_implicit: expandImplicitGemm,
};

/** A kernel's uniform parameters by name, as its WGSL `struct Params` declares them (checked at dispatch). */
export type KernelParams = Record<string, number>;

const UNIFORM_SLOT = 256; // bytes per dispatch in the uniform arena (the WebGPU maximum offset alignment)
const ARENA_SLOTS = 1024; // dispatches per submit before a forced flush

export class GpuEngine {
  readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, ParamField[]>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly errors: string[] = [];
  private readonly pendingScopes: Promise<void>[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arenaData = new ArrayBuffer(UNIFORM_SLOT * ARENA_SLOTS);
  private readonly arenaU32 = new Uint32Array(this.arenaData);
  private readonly arenaF32 = new Float32Array(this.arenaData);
  private readonly arena: GPUBuffer;
  private arenaSlots = 0;
  readonly bindGroups: BindGroupCache;
  /** Counters for benchmarks and tests: dispatches, submits, readbacks, bytes allocated. */
  /** allocatedBytes: pooled buffers, in use or free for reuse (trim destroys the free ones). */
  readonly stats = { dispatches: 0, submits: 0, readbacks: 0, allocatedBytes: 0 };
  /** Set by profile runs only: times every dispatch in a pass of its own (lib/webgpu/profiler.ts). */
  profiler: Profiler | null = null;

  private constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    readonly limitReport: LimitReport[],
  ) {
    this.arena = device.createBuffer({
      size: this.arenaData.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.bindGroups = new BindGroupCache(device);
    device.addEventListener("uncapturederror", (event) => {
      this.errors.push((event as GPUUncapturedErrorEvent).error.message);
    });
  }

  static async create(): Promise<GpuEngine> {
    const api = chooseApi();
    if (!navigator.gpu) throw new NoAdapterError(api);
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) throw new NoAdapterError(api);
    const offered = adapter.limits as unknown as Record<string, number>;
    const requiredLimits: Record<string, number> = {};
    const report: LimitReport[] = [];
    for (const name of new Set([...Object.keys(REQUIRED_LIMITS), ...RAISED_LIMITS])) {
      const need = REQUIRED_LIMITS[name] ?? null;
      if (need !== null && offered[name] < need) {
        throw new DeviceLimitError(
          `The WebGPU adapter offers ${name} = ${
            offered[name]
          }, but rectifiers' kernels need at least ${need}.`,
        );
      }
      requiredLimits[name] = offered[name];
      report.push({ name, required: need, requested: offered[name], offered: offered[name] });
    }
    for (const name of LOWERED_LIMITS) requiredLimits[name] = offered[name];
    // Timestamp queries only serve the profiler (lib/webgpu/profiler.ts); asked for where offered.
    const requiredFeatures: GPUFeatureName[] = adapter.features.has("timestamp-query")
      ? ["timestamp-query"]
      : [];
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    const info = adapter.info;
    const summary: AdapterSummary = {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
        (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
      api,
    };
    for (const r of report) r.requested = (device.limits as unknown as Record<string, number>)[r.name];
    return new GpuEngine(device, summary, report);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** A short adapter name for file names and result records. */
  get adapterName(): string {
    const d = this.adapter.description || `vendor-${this.adapter.vendor}`;
    return d.toLowerCase().replace(/\(.*\)/g, "").trim().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  // ---------------------------------------------------------------- pipelines

  /**
   * The cached pipeline for a kernel file and its static constants (WGSL `override`s). Compilation runs inside a
   * validation error scope; its outcome is checked on the next flush or readback, with the compiler's messages.
   */
  pipeline(kernel: KernelRef, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = JSON.stringify([kernel, constants]);
    let pipeline = this.pipelines.get(key);
    if (pipeline) return pipeline;
    pipeline = this.build(kernelLabel(kernel), kernelSource(kernel), constants);
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  /** The fields of a kernel's `struct Params`, parsed once from its WGSL. */
  paramFields(kernel: KernelRef): ParamField[] {
    const label = kernelLabel(kernel);
    let fields = this.layouts.get(label);
    if (!fields) {
      fields = paramLayout(label, kernelSource(kernel));
      this.layouts.set(label, fields);
    }
    return fields;
  }

  /** Creates a pipeline inside a validation error scope; failures surface, with the compiler's messages, on the next check. */
  private build(label: string, code: string, constants: Record<string, number>): GPUComputePipeline {
    this.device.pushErrorScope("validation");
    const module = this.device.createShaderModule({ label, code });
    const pipeline = this.device.createComputePipeline({
      label,
      layout: "auto",
      compute: { module, entryPoint: "main", constants },
    });
    const scope = this.device.popErrorScope().then(async (error) => {
      if (!error) return;
      let detail = "";
      try {
        const info = await module.getCompilationInfo();
        detail = info.messages
          .filter((m) => !error.message.includes(m.message.trim()))
          .map((m) => `\n  ${m.type} at line ${m.lineNum}:${m.linePos}: ${m.message}`)
          .join("");
      } catch { /* compilation info is optional */ }
      this.errors.push(`kernel ${label}.wgsl failed to build: ${error.message}${detail}`);
    });
    this.pendingScopes.push(scope);
    return pipeline;
  }

  /** Builds WGSL given as text and throws its build error, if any (tests of error reporting use it). */
  async compileSource(label: string, code: string): Promise<void> {
    this.build(label, code, {});
    await this.checkErrors();
  }

  /** Compiles kernels now and throws the first build error, if any (doctor and tests use it). */
  async compile(kernels: KernelRef[]): Promise<void> {
    for (const k of kernels) this.pipeline(k);
    await this.checkErrors();
  }

  async checkErrors(): Promise<void> {
    if (this.pendingScopes.length) await Promise.all(this.pendingScopes.splice(0));
    if (this.errors.length) {
      const message = this.errors.splice(0).join("\n");
      throw new Error(`WebGPU error: ${message}`);
    }
  }

  // ---------------------------------------------------------------- buffers

  /** Checks a storage buffer size against the device limits before anything is allocated. */
  checkSize(bytes: number, what: string): void {
    const max = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    if (bytes > max) {
      throw new DeviceLimitError(
        `${what} needs ${formatBytes(bytes)}, over this adapter's storage buffer limit of ${
          formatBytes(max)
        } ` +
          `(maxStorageBufferBindingSize, ${this.adapter.description}). Use a smaller batch or input size.`,
      );
    }
  }

  /** A pooled storage buffer of at least `bytes` bytes; contents are undefined. */
  alloc(bytes: number, what = "a tensor"): GPUBuffer {
    this.checkSize(bytes, what);
    const size = sizeClass(Math.max(bytes, 16));
    const free = this.pool.get(size);
    if (free && free.length) return free.pop()!;
    this.stats.allocatedBytes += size;
    return this.device.createBuffer({
      size,
      // Uniform too: the implicit GEMM binds small operands (filters) as uniform buffers.
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_SRC |
        GPUBufferUsage.COPY_DST,
    });
  }

  /** Returns a buffer to the pool. Later dispatches may reuse it: they run after all earlier recorded work. */
  release(buffer: GPUBuffer): void {
    const list = this.pool.get(buffer.size);
    if (list) list.push(buffer);
    else this.pool.set(buffer.size, [buffer]);
  }

  /** Finishes the submitted work and destroys the device and its buffers; the engine is unusable afterwards. */
  async close(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.trim();
    this.arena.destroy();
    this.device.destroy();
  }

  /** Destroys every pooled buffer; `stats.allocatedBytes` then counts the buffers still in use. */
  trim(): void {
    this.bindGroups.clear();
    for (const list of this.pool.values()) {
      for (const b of list) {
        this.stats.allocatedBytes -= b.size;
        b.destroy();
      }
    }
    this.pool.clear();
  }

  /** Uploads data into a new buffer. Flushes first: queue writes overtake commands that are not yet submitted. */
  upload(data: Float32Array | Uint32Array, what = "a tensor"): GPUBuffer {
    const buffer = this.alloc(data.byteLength, what);
    this.write(buffer, data);
    return buffer;
  }

  write(buffer: GPUBuffer, data: Float32Array | Uint32Array): void {
    if (this.encoder) this.flush();
    this.device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }

  /** Zero-fills a buffer, in order with the recorded dispatches. */
  clear(buffer: GPUBuffer, bytes: number): void {
    this.endPass();
    this.currentEncoder().clearBuffer(buffer, 0, align4(bytes));
  }

  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
    this.endPass();
    this.currentEncoder().copyBufferToBuffer(src, 0, dst, 0, align4(bytes));
  }

  // ---------------------------------------------------------------- dispatch

  /**
   * Records one dispatch: binding 0 is the kernel's uniform `Params` struct, written from `params` by field name
   * (every field must be given, and nothing else: see lib/webgpu/params.ts), bindings 1.. are the storage buffers.
   */
  dispatch(
    kernel: KernelRef,
    buffers: (GPUBuffer | GPUBufferBinding)[],
    params: KernelParams,
    groups: [number, number?, number?],
    constants: Record<string, number> = {},
  ): void {
    const [x, y = 1, z = 1] = groups;
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw new DeviceLimitError(
        `${
          typeof kernel === "string" ? kernel : kernel.name
        }: dispatch of ${x}x${y}x${z} workgroups exceeds maxComputeWorkgroupsPerDimension = ${max}. ` +
          `Use a smaller batch or input size.`,
      );
    }
    if (x === 0 || y === 0 || z === 0) return;
    const fields = this.paramFields(kernel);
    if (fields.length * 4 > UNIFORM_SLOT) {
      throw new Error(`${kernelLabel(kernel)}: too many uniform parameters`);
    }
    if (this.arenaSlots === ARENA_SLOTS) this.flush();
    const started = this.profiler ? performance.now() : 0;
    const pipeline = this.pipeline(kernel, constants);
    const slot = this.arenaSlots++;
    writeParams(kernelLabel(kernel), fields, params, this.arenaU32, this.arenaF32, (slot * UNIFORM_SLOT) / 4);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.arena, offset: slot * UNIFORM_SLOT, size: UNIFORM_SLOT } },
    ];
    buffers.forEach((b, i) =>
      entries.push({ binding: i + 1, resource: b instanceof GPUBuffer ? { buffer: b } : b })
    );
    const bindGroup = this.bindGroups.get(pipeline, entries);
    const profiler = this.profiler;
    if (profiler) this.endPass();
    const pass = profiler
      ? this.currentEncoder().beginComputePass({
        timestampWrites: profiler.passTimestamps(kernelLabel(kernel)),
      })
      : this.currentPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.stats.dispatches++;
    if (profiler) {
      pass.end();
      profiler.recorded(kernelLabel(kernel), performance.now() - started);
    }
  }

  /** Attaches a profiler (every later dispatch timed on its own) or, with null, detaches it. */
  setProfiler(on: boolean): Profiler | null {
    this.flush();
    this.profiler = on ? new Profiler(this.device, this.device.features.has("timestamp-query")) : null;
    return this.profiler;
  }

  /** Submits everything recorded so far, with the uniform arena written just before it. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.arenaSlots) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaData, 0, this.arenaSlots * UNIFORM_SLOT);
    }
    const started = performance.now();
    this.profiler?.beforeSubmit(this.encoder);
    this.device.queue.submit([this.encoder.finish()]);
    if (this.profiler) {
      this.profiler.submitMs += performance.now() - started;
      this.profiler.submits++;
    }
    this.encoder = null;
    this.arenaSlots = 0;
    this.stats.submits++;
  }

  /** Reads a buffer back to the CPU: the only place the CPU waits for the GPU. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const size = align4(bytes);
    const staging = this.device.createBuffer({
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.endPass();
    this.currentEncoder().copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.flush();
    const waited = performance.now();
    await staging.mapAsync(GPUMapMode.READ);
    if (this.profiler) {
      this.profiler.readbackMs += performance.now() - waited;
      this.profiler.readbacks++;
    }
    const copy = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    this.stats.readbacks++;
    await this.checkErrors();
    return copy;
  }

  private currentEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private currentPass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.currentEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }
}

function kernelLabel(kernel: KernelRef): string {
  if (typeof kernel === "string") return kernel;
  return `${kernel.name}[${kernel.block.ra}x${kernel.block.cb}${
    kernel.block.uniformB ? `,uniform B ${kernel.block.uniformB}` : ""
  }]`;
}

function kernelSource(kernel: KernelRef): string {
  if (typeof kernel === "string") return loadKernelSource(kernel);
  const expand = TEMPLATES[kernel.name];
  if (!expand) throw new Error(`kernel ${kernel.name} is not a templated kernel`);
  return expand(loadKernelSource(kernel.name), kernel.block);
}

/** Grid for a 1-D kernel over `count` items with `perGroup` items per workgroup, folded into 2-D when large. */
export function grid1d(count: number, perGroup = 256, maxPerDim = 65535): [number, number] {
  const groups = Math.ceil(count / perGroup);
  if (groups <= maxPerDim) return [groups, 1];
  const x = maxPerDim;
  return [x, Math.ceil(groups / x)];
}

function sizeClass(bytes: number): number {
  if (bytes <= 4 << 20) return 2 ** Math.ceil(Math.log2(bytes));
  return Math.ceil(bytes / (1 << 20)) * (1 << 20);
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

let shared: Promise<GpuEngine> | null = null;

/** The process-wide engine (one device per process). */
export function getEngine(): Promise<GpuEngine> {
  if (!shared) {
    shared = GpuEngine.create();
    shared.catch(() => (shared = null));
  }
  return shared;
}

/**
 * Waits for the device to finish its submitted work, then destroys the device: a process that exits with work
 * still in the driver's threads can die in the allocator as those threads are torn down.
 */
export async function closeEngine(): Promise<void> {
  if (!shared) return;
  const pending = shared;
  shared = null;
  let engine: GpuEngine;
  try {
    engine = await pending;
  } catch {
    return; // never opened
  }
  await engine.close();
}
