import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { runDoctor } from "../lib/cli/doctor.ts";
import { listKernels } from "../lib/gpu/kernel_source.ts";
import { getExperiment, listExperiments, register } from "../lib/experiments/registry.ts";

Deno.test("cli: doctor reports the adapter, limits and passing known-answer self-tests", async () => {
  const lines: string[] = [];
  assert.equal(await runDoctor((l) => lines.push(l)), true, lines.join("\n"));
  const text = lines.join("\n");
  assert.match(text, /^Deno \d+\.\d+\.\d+/);
  assert.match(text, /WebGPU adapter: /);
  assert.match(text, /fallback \(software\) adapter: (yes|no)/);
  assert.match(text, /maxStorageBufferBindingSize/);
  assert.match(text, new RegExp(`ok {4}compile kernels: ${listKernels().length} WGSL kernels built`));
  assert.match(text, /ok {4}conv2d forward known answer/);
  assert.match(text, /ok {4}conv2d backward known answer/);
});

Deno.test("cli: an unknown experiment id is a clear error with a non-zero exit", async () => {
  assert.throws(() => getExperiment("nope"), /unknown experiment id 'nope'.*deno task exp --list/);
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  try {
    assert.equal(await main(["exp", "nope"]), 1);
    assert.notEqual(await main(["reproduce", "--tier", "huge"]), 0);
  } finally {
    console.error = original;
  }
  assert.match(errors.join("\n"), /unknown experiment id 'nope'/);
});

Deno.test("cli: exp --list shows the registered experiments; reproduce runs the paper ones, not demos", async () => {
  const out = Deno.makeTempDirSync();
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    assert.equal(await main(["exp", "--list"]), 0);
    assert.equal(await main(["reproduce", "--tier", "smoke", "--out", out]), 0);
  } finally {
    console.log = original;
  }
  const text = lines.join("\n");
  assert.match(
    text,
    /pipeline-demo +none \(pipeline check\) +Pipeline demo: a 3-layer PReLU net \[tiers: smoke, default, gpu\]/,
  );
  const paper = listExperiments().filter((e) => !e.demo).map((e) => e.id).sort();
  for (const id of paper) assert.match(text, new RegExp(`== ${id} `));
  assert.doesNotMatch(text, /== pipeline-demo/);
  assert.match(text, new RegExp(`reproduce: ${paper.length} of ${paper.length} experiments succeeded`));
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), paper);
});

Deno.test("cli: reproduce goes on past a failing experiment and reports it with a non-zero exit", async () => {
  const ran: string[] = [];
  for (const id of ["failing-a", "failing-b"]) {
    register({
      id,
      title: "always fails",
      paperRef: "test",
      tiers: ["smoke"],
      demo: true,
      run: () => {
        ran.push(id);
        return Promise.reject(new Error(`${id} broke`));
      },
    });
  }
  const errors: string[] = [];
  const logs: string[] = [];
  const [error, log] = [console.error, console.log];
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  console.log = (...args: unknown[]) => logs.push(args.join(" "));
  try {
    assert.equal(await main(["reproduce", "--tier", "smoke", "--only", "failing-a,failing-b"]), 1);
  } finally {
    [console.error, console.log] = [error, log];
    Deno.exitCode = 0;
  }
  assert.deepEqual(ran, ["failing-a", "failing-b"]);
  assert.match(errors.join("\n"), /experiment failing-a failed: failing-a broke/);
  assert.match(errors.join("\n"), /failed: failing-a, failing-b/);
  assert.match(logs.join("\n"), /reproduce: 0 of 2 experiments succeeded/);
});
