/**
 * The runner (lib/experiments/runner.ts): a declared experiment's shard names come from its grid, its report
 * reads every net in grid order with its cell, the runner writes the result with its common part, --shard trains
 * one net and writes no result, and an experiment that trains nothing still gets its result written.
 */
import assert from "node:assert/strict";
import "./helpers.ts";
import { defineExperiment } from "../lib/experiments/runner.ts";
import type { RunContext } from "../lib/experiments/registry.ts";
import { toyConfig, toyContext, toyData, toySpec } from "./fixtures/toy_shards.ts";

const toy = (reports: string[][]) =>
  defineExperiment({
    id: "toy-declared",
    title: "a toy",
    paperRef: "none",
    tiers: ["smoke"],
    grid: (ctx) => (ctx.seeds ?? [1, 2]).map((seed) => ({ variant: "relu", seed })),
    setup: () => Promise.resolve({ data: toyData(), seeds: [1, 2], base: 0.5 }),
    net: (_ctx, setup, cell) => ({
      request: {
        label: `toy-declared-seed${cell.seed}`,
        spec: toySpec("relu"),
        config: toyConfig(cell.seed),
        data: setup.data,
      },
      measure: (model) => Promise.resolve({ steps: model.result.steps, base: setup.base }),
    }),
    report: (_ctx, setup, nets) => {
      reports.push(nets.map((n) => `${n.cell.variant}-${n.cell.seed}:${n.measurements.steps}`));
      return Promise.resolve({
        regime: null,
        config: { base: setup.base },
        runs: [],
        metrics: { "toy.steps": { values: nets.map((n) => n.measurements.steps), description: "steps" } },
        comparison: [],
        claims: [],
        differences: ["a toy"],
      });
    },
  });

const smokeContext = (out: string, shard: string | null, lines: string[]): RunContext => ({
  ...toyContext(out, shard, lines),
  tier: "smoke",
  seeds: null,
});

Deno.test("runner: shard names from the grid, nets reported in grid order, the result written with its common part", async () => {
  Deno.env.set("RECTIFIERS_CACHE", Deno.makeTempDirSync({ prefix: "rectifiers-runner-" }));
  const out = Deno.makeTempDirSync({ prefix: "rectifiers-runner-out-" });
  const reports: string[][] = [];
  const exp = toy(reports);
  assert.deepEqual(exp.shardNames!({ tier: "smoke", seeds: null }), [
    "toy-declared-smoke-relu-seed1",
    "toy-declared-smoke-relu-seed2",
  ]);

  // --shard: one net trained, no report, no result.
  const lines: string[] = [];
  await exp.run(smokeContext(out, "toy-declared-smoke-relu-seed2", lines));
  assert.deepEqual(reports, []);
  assert.throws(() => Deno.statSync(`${out}/toy-declared/smoke/result.json`));
  assert.match(lines.join("\n"), /1 of 2 shards done/);

  // The whole grid: the report sees both nets in grid order; the runner adds the common part.
  await exp.run(smokeContext(out, null, lines));
  assert.deepEqual(reports, [["relu-1:8", "relu-2:8"]]);
  const result = JSON.parse(Deno.readTextFileSync(`${out}/toy-declared/smoke/result.json`));
  assert.equal(result.experiment.id, "toy-declared");
  assert.equal(result.tier, "smoke");
  assert.deepEqual(result.seeds, [1, 2]);
  assert.equal(result.data.dataset, "toy");
  assert.deepEqual(result.config, { base: 0.5 });
  assert.deepEqual(result.metrics["toy.steps"].values, [8, 8]);
  assert.ok(typeof result.environment.deno === "string");
});

Deno.test("runner: an experiment with no nets gets its result; a report that returns null writes nothing", async () => {
  const out = Deno.makeTempDirSync({ prefix: "rectifiers-runner-none-" });
  const declare = (id: string, ready: boolean) =>
    defineExperiment({
      id,
      title: "counted",
      paperRef: "none",
      tiers: ["smoke"],
      setup: () => Promise.resolve({ data: null, seeds: [] }),
      report: () =>
        Promise.resolve(
          ready
            ? {
              dataSource: "counted from layer lists",
              regime: null,
              config: {},
              runs: [],
              metrics: {},
              comparison: [],
              claims: [],
              differences: [],
            }
            : null,
        ),
    });
  const counted = declare("counted", true);
  assert.equal(counted.shardNames, undefined);
  await counted.run(smokeContext(out, null, []));
  const result = JSON.parse(Deno.readTextFileSync(`${out}/counted/smoke/result.json`));
  assert.equal(result.data.dataset, "none");
  assert.equal(result.data.source, "counted from layer lists");
  await declare("waiting", false).run(smokeContext(out, null, []));
  assert.throws(() => Deno.statSync(`${out}/waiting/smoke/result.json`));
});
