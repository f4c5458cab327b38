/**
 * The variance analysis of ICCV Eq. 9-16 measured on random nets: a plain stack of 3x3 convolutions with ReLU is
 * initialized, a random batch is propagated forward and a random gradient backward, and the std of every layer's
 * response y_l and input gradient dx_l is recorded. Convolutions run on a torus (wrap-around padding), so no
 * border of zeros biases either pass.
 */
import type { Backend, Storage } from "../backend.ts";
import { convGeometry } from "../geometry.ts";
import { type InitScheme, initWeights } from "../init.ts";
import { Rng } from "../rng.ts";
import { lineChart } from "../results/svg.ts";

export interface StackSpec {
  name: string;
  /** Filters of each conv layer; layer 1 sees `inChannels`. */
  filters: number[];
  inChannels: number;
}

export interface Trace {
  /** std of y_l, l = 1..L. */
  response: number[];
  /** std of dx_l (gradient at the input of layer l), l = 1..L + 1; dx_{L+1} is the N(0, 1) gradient injected. */
  gradient: number[];
  /** mean(x_l^2) of each layer's input, l = 1..L (x_1 the random input, x_{l+1} = relu(y_l)). */
  inputMeanSq: number[];
  /** mean(y_l^2), l = 1..L. */
  responseMeanSq: number[];
  /** mean(relu(y_l)^2), l = 1..L. */
  rectifiedMeanSq: number[];
  /** n_l Var[w_l] of the weights drawn: fan-in times their mean square (they are drawn with mean 0). */
  fanInVar: number[];
}

/**
 * Forward: y_l = W_l * x_l, x_{l+1} = relu(y_l). Backward from a N(0, 1) gradient dx_{L+1} at the last ReLU's
 * output, as in Eq. 15: dy_l = relu'(y_l) dx_{l+1} and dx_l = W_l^T dy_l, with the backend's primitives directly.
 */
export async function trace(
  backend: Backend,
  stack: StackSpec,
  scheme: InitScheme,
  side: number,
  batch: number,
  seed: number,
  /** False: the forward pass only (gradient then holds the injected gradient's std alone). */
  backward = true,
): Promise<Trace> {
  const rng = new Rng(seed);
  const L = stack.filters.length;
  let channels = stack.inChannels;
  let x: Storage = backend.upload(
    Float32Array.from({ length: batch * channels * side * side }, () => rng.normal()),
  );
  const weights: Storage[] = [];
  const geoms = [];
  const ys: Storage[] = [];
  const sums: [Storage, Storage][] = [];
  const inputSums: [Storage, Storage][] = [];
  const fanInVar: number[] = [];
  for (let l = 0; l < L; l++) {
    const shape = [stack.filters[l], channels, 3, 3];
    const drawn = initWeights(scheme, shape, rng);
    fanInVar.push(9 * channels * drawn.reduce((a, v) => a + v * v, 0) / drawn.length);
    const w = backend.upload(drawn);
    inputSums.push(moments(backend, x));
    // On a torus: wrap-pad by 1, then an unpadded 3x3 conv keeps the side.
    const g = convGeometry([batch, channels, side + 2, side + 2], shape, 1, 0);
    const padded = backend.circularPad(x, batch * channels, side, side, 1, false);
    const y = backend.conv2d(padded, w, null, g);
    backend.release(padded);
    sums.push(moments(backend, y));
    const next = backend.activation(y, null, 0, 1, 1);
    backend.release(x);
    x = next;
    weights.push(w);
    geoms.push(g);
    ys.push(y);
    channels = stack.filters[l];
  }
  const lastInput = moments(backend, x);
  backend.release(x);
  let dx: Storage = backend.upload(
    Float32Array.from({ length: batch * channels * side * side }, () => rng.normal()),
  );
  const gradSums: [Storage, Storage][] = new Array(L + 1);
  gradSums[L] = moments(backend, dx);
  for (let l = L - 1; l >= 0 && backward; l--) {
    const dy = backend.activationGradInput(dx, ys[l], null, 0, 1, 1);
    backend.release(dx);
    const dPadded = backend.conv2dGradInput(dy, weights[l], geoms[l]);
    backend.release(dy);
    dx = backend.circularPad(dPadded, batch * geoms[l].cin, side, side, 1, true);
    backend.release(dPadded);
    gradSums[l] = moments(backend, dx);
  }
  backend.release(dx);
  const read = async ([mean, meanSq]: [Storage, Storage]) => {
    const m = (await backend.read(mean))[0];
    return Math.sqrt(Math.max((await backend.read(meanSq))[0] - m * m, 0));
  };
  const readMeanSq = async ([, meanSq]: [Storage, Storage]) => (await backend.read(meanSq))[0];
  const response = await Promise.all(sums.map(read));
  const gradient = await Promise.all(gradSums.filter((g) => g).map(read));
  const inputs = await Promise.all([...inputSums, lastInput].map(readMeanSq));
  const responseMeanSq = await Promise.all(sums.map(readMeanSq));
  [...weights, ...ys, ...sums.flat(), ...gradSums.flat(), ...inputSums.flat(), ...lastInput].forEach((s) =>
    backend.release(s)
  );
  return {
    response,
    gradient,
    inputMeanSq: inputs.slice(0, L),
    responseMeanSq,
    rectifiedMeanSq: inputs.slice(1),
    fanInVar,
  };
}

/** Mean and mean of squares of a storage, kept on the device until the end of the trace. */
function moments(backend: Backend, s: Storage): [Storage, Storage] {
  const n = s.length;
  const sq = backend.mul(s, s, 1);
  const meanSq = backend.channelSum(sq, 1, 1, n, 1 / n, "sum");
  backend.release(sq);
  return [backend.channelSum(s, 1, 1, n, 1 / n, "sum"), meanSq];
}

/**
 * The std ratio the equations describe: they are about expected variances, so variance ratios are averaged over
 * seeds (one realization of a deep stack scatters log-normally around it), then the square root is taken.
 */
/**
 * Per seed, the mean over layers of a one-layer ratio of the variance analysis:
 *   "eq9"   mean(y_l^2) / (n_l Var[w_l] mean(x_l^2)), 1 by Eq. 9 for any init (the conv itself);
 *   "eq10"  mean(relu(y_l)^2) / mean(y_l^2), 1/2 by Eq. 10 for y_l symmetric about 0;
 *   "gain"  mean(y_{l+1}^2) / mean(y_l^2) = n Var[w] / 2 by Eq. 9-10: 1 under He's init (Eq. 12), 1/2 under
 *           Xavier's.
 * Layers of one stack scatter little around these; their mean per seed is one draw of the interval over seeds.
 */
export function layerRatios(traces: Trace[], which: "eq9" | "eq10" | "gain"): number[] {
  return traces.map((t) => {
    const L = t.responseMeanSq.length;
    const ratios = which === "eq9"
      ? t.responseMeanSq.map((y, l) => y / (t.fanInVar[l] * t.inputMeanSq[l]))
      : which === "eq10"
      ? t.rectifiedMeanSq.map((r, l) => r / t.responseMeanSq[l])
      : t.responseMeanSq.slice(1).map((y, l) => y / t.responseMeanSq[l]);
    return ratios.reduce((a, b) => a + b, 0) / (which === "gain" ? L - 1 : L);
  });
}

/** std(y_L)/std(y_1) of `draws` stacks drawn with seeds from `firstSeed` on (forward passes only). */
export async function endToEndRatios(
  backend: Backend,
  stack: StackSpec,
  scheme: InitScheme,
  batch: number,
  draws: number,
  firstSeed: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < draws; k++) {
    const t = await trace(backend, stack, scheme, 12, batch, firstSeed + k, false);
    out.push(t.response.at(-1)! / t.response[0]);
  }
  return out;
}

/**
 * The whole-depth check's traces: std(y_L)/std(y_1) of a stack `depth` layers deep and `width` wide under He's
 * forward init and under Xavier's, `seeds` independent draws of each.
 */
export async function endToEndTraces(
  backend: Backend,
  e2e: { width: number; depth: number; seeds: number },
  batch: number,
): Promise<{ wide: StackSpec; he: number[]; xavier: number[] }> {
  const wide = plainStack(e2e.depth, e2e.width);
  const he = await endToEndRatios(backend, wide, { kind: "he-forward" }, batch, e2e.seeds, 7001);
  const xavier = await endToEndRatios(backend, wide, { kind: "xavier" }, batch, e2e.seeds, 8001);
  return { wide, he, xavier };
}

export function stdRatio(traces: Trace[], what: keyof Trace, top: number, bottom: number): number {
  const ratios = traces.map((t) => (t[what][top] / t[what][bottom]) ** 2);
  return Math.sqrt(ratios.reduce((a, b) => a + b, 0) / ratios.length);
}

/** Response and gradient std per layer for every stack and scheme (first seed), log scale. */
export function tracePlots(
  stacks: StackSpec[],
  schemes: string[],
  results: Record<string, Record<string, Trace[]>>,
): { file: string; caption: string; svg: string }[] {
  return stacks.flatMap((stack, i) => {
    const series = (what: keyof Trace) =>
      schemes.map((label) => ({
        name: label,
        points: results[stack.name][label][0][what].map((v, l) => [l + 1, v] as [number, number]),
      }));
    const chart = (what: keyof Trace, title: string, yLabel: string) =>
      lineChart({
        title: `${stack.name}: ${title}`,
        xLabel: "layer",
        yLabel,
        series: series(what),
        logY: true,
      });
    return [
      {
        file: `response-${i}.svg`,
        caption: "response std per layer (first seed)",
        svg: chart("response", "response std", "std of y_l (log)"),
      },
      {
        file: `gradient-${i}.svg`,
        caption: "input-gradient std per layer (first seed)",
        svg: chart("gradient", "gradient std", "std of dx_l (log)"),
      },
    ];
  });
}

/** Traces of every stack under every scheme, one per seed: `results[stack][scheme]`. */
export async function traceStacks(
  backend: Backend,
  stacks: StackSpec[],
  schemes: { label: string; scheme: InitScheme }[],
  seeds: number[],
  batch: number,
  log: (line: string) => void,
): Promise<Record<string, Record<string, Trace[]>>> {
  const results: Record<string, Record<string, Trace[]>> = {};
  for (const stack of stacks) {
    results[stack.name] = {};
    for (const [k, { label, scheme }] of schemes.entries()) {
      results[stack.name][label] = [];
      // Independent draws per scheme: otherwise, ReLU stacks being homogeneous, Xavier would be He scaled exactly.
      for (const seed of seeds) {
        results[stack.name][label].push(await trace(backend, stack, scheme, 12, batch, 1000 * seed + k));
      }
    }
    log(`  ${stack.name}: traced ${schemes.length} initializations x ${seeds.length} seeds`);
  }
  return results;
}

/** Per-seed log2 ratios of a trace's stds, layer `top` over `bottom` (negative indices count from the end). */
export function perSeedLog2(traces: Trace[], what: keyof Trace, top: number, bottom: number): number[] {
  return traces.map((t) => Math.log2(t[what].at(top)! / t[what].at(bottom)!));
}

/** A plain stack of `depth` 3x3 ReLU convolutions of `width` filters. */
export function plainStack(depth: number, width: number): StackSpec {
  return {
    name: `${depth}-layer plain ReLU stack, width ${width}`,
    filters: new Array(depth).fill(width),
    inChannels: width,
  };
}
