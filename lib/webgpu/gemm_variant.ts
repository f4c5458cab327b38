/**
 * Expands the //@gen lines of kernels/gemm_packed.wgsl for a register block of RA x CB vec4s (4*RA rows by 4*CB
 * columns per invocation): declarations, loads, multiply-adds and stores, written out because WGSL arrays of
 * accumulators indexed in loops end up in memory instead of registers.
 */
export interface GemmBlock {
  /** vec4s of A per invocation: 4*ra rows. */
  ra: number;
  /** vec4s of B per invocation: 4*cb columns. */
  cb: number;
  /**
   * gemm_implicit only: B is read from a uniform buffer of this many floats (a power of two, at most 16384:
   * 64 KiB, the WebGPU default maxUniformBufferBindingSize) instead of a storage buffer.
   */
  uniformB?: number;
}

export function expandGemm(template: string, block: GemmBlock): string {
  const { ra, cb } = block;
  const rows = 4 * ra;
  const comps = ["x", "y", "z", "w"];
  const gen: Record<string, string[]> = { decl: [], load: [], fma: [], store: [] };
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cb; c++) gen.decl.push(`var acc_${r}_${c} = vec4<f32>(0.0);`);
  }
  for (let i = 0; i < ra; i++) gen.load.push(`let va${i} = a[ar + ${i}u];`);
  for (let c = 0; c < cb; c++) gen.load.push(`let vb${c} = b[br + ${c}u];`);
  for (let i = 0; i < ra; i++) {
    for (let j = 0; j < 4; j++) {
      for (let c = 0; c < cb; c++) gen.fma.push(`acc_${i * 4 + j}_${c} += va${i}.${comps[j]} * vb${c};`);
    }
  }
  for (let r = 0; r < rows; r++) {
    gen.store.push(`let row${r} = row_base(m0 + ${r}u, base);`);
    for (let c = 0; c < cb; c++) {
      gen.store.push(`store4(m0 + ${r}u, row${r}, stride, n0 + ${4 * c}u, acc_${r}_${c});`);
    }
  }
  return template
    .replace(/\bRA\b/g, `${ra}u`)
    .replace(/\bCB\b/g, `${cb}u`)
    .replace(/^(\s*)\/\/@gen (\w+)\s*$/gm, (_, indent: string, what: string) => {
      const lines = gen[what];
      if (!lines) throw new Error(`gemm_packed.wgsl: unknown //@gen ${what}`);
      return lines.map((l) => indent + l).join("\n");
    });
}

/**
 * Expands the //@gen lines of kernels/gemm_implicit.wgsl for a register block of RA x CB vec4s: lane bases
 * (walked from the block's first row and column), declarations, scalar loads at base + offset, multiply-adds
 * and stores.
 */
export function expandImplicitGemm(template: string, block: GemmBlock): string {
  const { ra, cb } = block;
  const rows = 4 * ra;
  const cols = 4 * cb;
  const gen: Record<string, string[]> = { bdecl: [], bases: [], decl: [], load: [], fma: [], store: [] };
  gen.bdecl.push(
    block.uniformB
      ? `@group(0) @binding(2) var<uniform> b: array<vec4<f32>, ${block.uniformB / 4}>;`
      : "@group(0) @binding(2) var<storage, read> b: array<f32>;",
  );
  const bAt = (i: string) => block.uniformB ? `b[(${i}) >> 2u][(${i}) & 3u]` : `b[${i}]`;
  for (
    const [name, map, first, count] of [["ab", "a_lane", "m0", rows], ["bb", "b_lane", "n0", cols]] as const
  ) {
    gen.bases.push(`var w_${name} = walk_start(${map}, ${first});`);
    for (let i = 0; i < count; i++) {
      gen.bases.push(`let ${name}${i} = w_${name}.off;`);
      if (i + 1 < count) gen.bases.push(`w_${name} = walk_step(${map}, w_${name});`);
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cb; c++) gen.decl.push(`var acc_${r}_${c} = vec4<f32>(0.0);`);
  }
  for (let r = 0; r < rows; r++) gen.load.push(`let va${r} = a[u32(ab${r} + wa.off)];`);
  for (let c = 0; c < cb; c++) {
    const parts = [0, 1, 2, 3].map((j) => bAt(`u32(bb${4 * c + j} + wb.off)`));
    gen.load.push(`let vb${c} = vec4<f32>(${parts.join(", ")});`);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cb; c++) gen.fma.push(`acc_${r}_${c} += va${r} * vb${c};`);
  }
  for (let r = 0; r < rows; r++) {
    gen.store.push(`let row${r} = row_base(m0 + ${r}u, base);`);
    for (let c = 0; c < cb; c++) {
      gen.store.push(`store4(m0 + ${r}u, row${r}, stride, n0 + ${4 * c}u, acc_${r}_${c});`);
    }
  }
  return template
    .replace(/\bRA\b/g, `${ra}u`)
    .replace(/\bCB\b/g, `${cb}u`)
    .replace(/^(\s*)\/\/@gen (\w+)\s*$/gm, (_, indent: string, what: string) => {
      const lines = gen[what];
      if (!lines) throw new Error(`gemm_implicit.wgsl: unknown //@gen ${what}`);
      return lines.map((l) => indent + l).join("\n");
    });
}
