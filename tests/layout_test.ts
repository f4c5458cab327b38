/**
 * The project's shape, held to a budget as tinygrad's sz.py holds its size: no import circles, experiment
 * scripts and library modules under a line budget, committed result files under a size budget, and every
 * experiment script a declaration that leaves training, shards and writing to the runner.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "../lib/util/paths.ts";

/** Lines of an experiment script (the paper's protocol; the plumbing belongs in lib/experiments). */
const EXPERIMENT_LINES = 175;
/** Lines of any library module. */
const MODULE_LINES = 500;
/** Bytes of a committed result.json: claims store their declaration and outcome, not their inputs. */
const RESULT_BYTES = 100_000;
/** The long tier's: it also keeps every converged net's per-epoch curve (12 nets of 24-35 epochs). */
const LONG_RESULT_BYTES = 300_000;

function files(dir: string, ext: string, out: string[] = []): string[] {
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory && !["node_modules", ".tools", ".cache", ".git"].includes(e.name)) {
      files(path, ext, out);
    } else if (e.isFile && e.name.endsWith(ext)) out.push(path);
  }
  return out;
}

const lines = (path: string) => Deno.readTextFileSync(path).split("\n").length;
const rel = (path: string) => path.slice(PROJECT_ROOT.length + 1);

Deno.test("layout: no import circles among the project's modules", () => {
  const sources = ["lib", "experiments", "bench", "tests"].flatMap((d) =>
    files(`${PROJECT_ROOT}/${d}`, ".ts")
  );
  const graph = new Map<string, string[]>();
  for (const path of sources) {
    const text = Deno.readTextFileSync(path);
    const deps = [...text.matchAll(/(?:import|export)[^"';]*?from\s+["'](\.[^"']+)["']/g)].map((m) =>
      new URL(m[1], `file://${path}`).pathname
    );
    graph.set(path, deps);
  }
  const done = new Set<string>();
  const onPath: string[] = [];
  const cycles: string[] = [];
  const visit = (n: string) => {
    if (done.has(n)) return;
    onPath.push(n);
    for (const d of graph.get(n) ?? []) {
      const at = onPath.indexOf(d);
      if (at >= 0) cycles.push([...onPath.slice(at), d].map(rel).join(" -> "));
      else visit(d);
    }
    onPath.pop();
    done.add(n);
  };
  for (const n of graph.keys()) visit(n);
  assert.deepEqual(cycles, []);
});

Deno.test("layout: experiment scripts and library modules stay within their line budgets", () => {
  const over = [
    ...files(`${PROJECT_ROOT}/experiments`, ".ts").filter((p) => lines(p) > EXPERIMENT_LINES),
    ...files(`${PROJECT_ROOT}/lib`, ".ts").filter((p) => lines(p) > MODULE_LINES),
  ].map((p) => `${rel(p)}: ${lines(p)} lines`);
  assert.deepEqual(over, [], `budgets: experiments ${EXPERIMENT_LINES} lines, modules ${MODULE_LINES}`);
});

Deno.test("layout: every committed result.json is within its size budget", () => {
  const results = files(`${PROJECT_ROOT}/results`, "result.json");
  assert.ok(results.length >= 7, "the committed results are there");
  const budget = (p: string) => p.endsWith("/long/result.json") ? LONG_RESULT_BYTES : RESULT_BYTES;
  const over = results.map((p) => [rel(p), Deno.statSync(p).size, budget(p)] as const).filter(([, b, max]) =>
    b > max
  );
  assert.deepEqual(over, [], `budget ${RESULT_BYTES} bytes (long tier ${LONG_RESULT_BYTES})`);
});

Deno.test("layout: every experiment script is a declaration the runner executes", () => {
  const scripts = files(`${PROJECT_ROOT}/experiments`, ".ts").filter((p) => !p.endsWith("/index.ts"));
  assert.ok(scripts.length >= 8);
  const plumbing = /\b(writeResult|runShards|trainNetwork|resultBase)\b/;
  const off = scripts.filter((p) => {
    const text = Deno.readTextFileSync(p);
    return !/export const experiment = defineExperiment\(/.test(text) || plumbing.test(text);
  }).map(rel);
  assert.deepEqual(
    off,
    [],
    "declared with defineExperiment; training, shards and writing left to the runner",
  );
});
