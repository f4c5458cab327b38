/**
 * Kernel parameters by name. Every kernel declares its uniforms as one flat `struct Params` of u32, i32 and f32
 * fields; the engine parses that struct from the WGSL the pipeline is built from and writes the values a caller
 * names into it, so a reordered, renamed, missing or extra field is an error at the call instead of a silently
 * wrong kernel.
 */
export type ParamType = "u32" | "i32" | "f32";

export interface ParamField {
  name: string;
  type: ParamType;
}

/** The fields of `struct Params { ... }` in WGSL source, in declaration order. */
export function paramLayout(label: string, source: string): ParamField[] {
  const match = source.match(/struct\s+Params\s*\{([^}]*)\}/);
  if (!match) throw new Error(`kernel ${label}: no \`struct Params\` in its WGSL`);
  const body = match[1].replace(/\/\/[^\n]*/g, "");
  const fields: ParamField[] = [];
  for (const part of body.split(",")) {
    const text = part.trim();
    if (!text) continue;
    const field = text.match(/^(\w+)\s*:\s*(\w+)$/);
    if (!field || !["u32", "i32", "f32"].includes(field[2])) {
      throw new Error(`kernel ${label}: Params field \`${text}\` is not a u32, i32 or f32 scalar`);
    }
    fields.push({ name: field[1], type: field[2] as ParamType });
  }
  return fields;
}

/** Writes `values` into the words of a uniform slot at `base`, checking names, types and ranges. */
export function writeParams(
  label: string,
  fields: ParamField[],
  values: Record<string, number>,
  u32: Uint32Array,
  f32: Float32Array,
  base: number,
): void {
  const given = Object.keys(values);
  if (given.length !== fields.length) {
    const names = new Set(fields.map((f) => f.name));
    const extra = given.filter((k) => !names.has(k));
    const missing = fields.filter((f) => !(f.name in values)).map((f) => f.name);
    throw new Error(
      `kernel ${label}: parameters do not match its struct Params` +
        (missing.length ? `; missing: ${missing.join(", ")}` : "") +
        (extra.length ? `; unknown: ${extra.join(", ")}` : ""),
    );
  }
  for (let i = 0; i < fields.length; i++) {
    const { name, type } = fields[i];
    const v = values[name];
    if (v === undefined) throw new Error(`kernel ${label}: parameter ${name} is missing`);
    if (type === "f32") {
      f32[base + i] = v;
    } else if (!Number.isInteger(v)) {
      throw new Error(`kernel ${label}: ${type} parameter ${name} = ${v} is not an integer`);
    } else if (type === "u32" && (v < 0 || v > 0xffffffff)) {
      throw new Error(`kernel ${label}: u32 parameter ${name} = ${v} is out of range`);
    } else if (type === "i32" && (v < -0x80000000 || v > 0x7fffffff)) {
      throw new Error(`kernel ${label}: i32 parameter ${name} = ${v} is out of range`);
    } else {
      u32[base + i] = v >>> 0;
    }
  }
}
