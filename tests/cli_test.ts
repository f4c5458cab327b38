import assert from "node:assert/strict";
import { EXPERIMENTS } from "../experiments/index.ts";
import { main, selectExperiments, shardLines } from "../lib/cli/main.ts";
import { runDoctor } from "../lib/cli/doctor.ts";
import { listKernels } from "../lib/webgpu/kernel_source.ts";
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
    assert.equal(await main(["exp", "nope"], EXPERIMENTS), 1);
    assert.notEqual(await main(["reproduce", "--tier", "huge"], EXPERIMENTS), 0);
  } finally {
    console.error = original;
  }
  assert.match(errors.join("\n"), /unknown experiment id 'nope'/);
});

Deno.test("cli: exp --list shows the registered experiments; reproduce runs the paper ones and writes the report", async () => {
  const out = Deno.makeTempDirSync();
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    assert.equal(await main(["exp", "--list"], EXPERIMENTS), 0);
    assert.equal(
      await main(["reproduce", "--tier", "smoke", "--only", "model-complexity", "--out", out], EXPERIMENTS),
      0,
    );
  } finally {
    console.log = original;
  }
  const text = lines.join("\n");
  assert.match(
    text,
    /pipeline-demo +none \(pipeline check\) +Pipeline demo: a 3-layer PReLU net \[tiers: smoke, default, gpu\]/,
  );
  // Every paper experiment has a smoke tier and reproduce selects them all, never the demo (CI's `deno task
  // check` runs them all at the smoke tier).
  const paper = listExperiments().filter((e) => !e.demo).map((e) => e.id);
  assert.deepEqual(selectExperiments("smoke").map((e) => e.id), paper);
  assert.deepEqual(selectExperiments("default").map((e) => e.id), paper);
  assert.ok(paper.length >= 7, paper.join(", "));
  assert.match(text, /== model-complexity /);
  assert.match(text, /reproduce: 1 of 1 experiments succeeded/);
  assert.match(text, new RegExp(`report: ${out}/REPORT-smoke\\.md`));
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
    "REPORT-smoke.md",
    "model-complexity",
  ]);
  assert.match(
    Deno.readTextFileSync(`${out}/REPORT-smoke.md`),
    /\| `transfer` \| Table 8 \(analog\) \| — \| — \| — \| — \| not run at this tier \|/,
  );
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
    const out = Deno.makeTempDirSync();
    assert.equal(
      await main(
        ["reproduce", "--tier", "smoke", "--only", "failing-a,failing-b", "--out", out],
        EXPERIMENTS,
      ),
      1,
    );
  } finally {
    [console.error, console.log] = [error, log];
    Deno.exitCode = 0;
  }
  assert.deepEqual(ran, ["failing-a", "failing-b"]);
  assert.match(errors.join("\n"), /experiment failing-a failed: failing-a broke/);
  assert.match(errors.join("\n"), /failed: failing-a, failing-b/);
  assert.match(logs.join("\n"), /reproduce: 0 of 2 experiments succeeded/);
});

Deno.test("cli: without CIFAR-10, init-depth and transfer run on the grayscale Fashion-MNIST fallback", async () => {
  // A user's machine without ../shared: the smoke tier falls back to Fashion-MNIST (28 px, one channel), where
  // model B's crop (25) differs from the small family's (24) and transfer's target is MNIST.
  const out = Deno.makeTempDirSync();
  const saved = ["RECTIFIERS_SHARED_DATASETS", "RECTIFIERS_CACHE"].map((k) => [k, Deno.env.get(k)] as const);
  Deno.env.set("RECTIFIERS_SHARED_DATASETS", `${out}/none`);
  Deno.env.set("RECTIFIERS_CACHE", `${out}/cache`);
  const lines: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    const args = ["reproduce", "--tier", "smoke", "--only", "init-depth,transfer", "--progress", "none"];
    assert.equal(await main([...args, "--out", `${out}/results`], EXPERIMENTS), 0, lines.join("\n"));
  } finally {
    [console.log, console.error] = [log, error];
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    Deno.exitCode = 0;
  }
  // transfer records its target task: MNIST, as the source is Fashion-MNIST.
  for (const [id, dataset] of [["init-depth", "fashion-mnist"], ["transfer", "mnist"]]) {
    const r = JSON.parse(Deno.readTextFileSync(`${out}/results/${id}/smoke/result.json`));
    assert.equal(r.data.dataset, dataset);
    assert.ok(Object.values(r.metrics).length > 0);
  }
  assert.match(lines.join("\n"), /reproduce: 2 of 2 experiments succeeded/);
});

const ROOT = new URL("..", import.meta.url).pathname;
const runTool = async (cmd: string, args: string[]) => {
  const out = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" }).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
};

Deno.test("cli: ./rectifiers --help and a bare ./rectifiers print the commands and start nothing", async () => {
  for (const args of [["--help"], ["-h"], []]) {
    const { code, text } = await runTool("bash", ["rectifiers", ...args]);
    assert.equal(code, 0, text);
    assert.match(text, /^Usage: \.\/rectifiers <command>/);
    assert.match(text, /reproduce/);
    assert.doesNotMatch(text, /\[setup\]|deno task \[OPTIONS\]/, "neither set-up nor deno task's own help");
  }
  assert.match((await runTool("bash", ["rectifiers"])).text, /Nothing was run/);
});

Deno.test("cli: the bench tools answer --help without running, and refuse unknown options", async () => {
  // Every script of bench/ that runs on its own (the rest are modules these import).
  const tools = [...Deno.readDirSync("bench")].map((e) => e.name).filter((n) => n.endsWith(".ts")).filter((
    n,
  ) =>
    /^(await |handleArgs\(|const args = handleArgs)|import\.meta\.main/m.test(
      Deno.readTextFileSync(`bench/${n}`),
    )
  ).sort();
  assert.deepEqual(tools, [
    "bench.ts",
    "mesa.ts",
    "profile.ts",
    "twin.ts",
    "twin_long.ts",
    "twin_welch.ts",
    "vector_width.ts",
  ]);
  for (const tool of tools.map((t) => `bench/${t}`)) {
    const help = await runTool(Deno.execPath(), ["run", "-A", tool, "--help"]);
    assert.equal(help.code, 0, help.text);
    assert.match(
      help.text,
      /^Usage: (deno task (bench|twin|twin-long|profile|vector-width|mesa-ab)|deno run -A bench\/)/m,
    );
    const bad = await runTool(Deno.execPath(), ["run", "-A", tool, "--quik"]);
    assert.equal(bad.code, 2, bad.text);
    assert.match(bad.text, /unknown option --quik/);
  }
});

Deno.test("cli: the paper tier without an ImageNet-style folder refuses before any training", async () => {
  const out = Deno.makeTempDirSync({ prefix: "rectifiers-paper-nodata-" });
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  try {
    const code = await main(
      ["exp", "small-model", "--tier", "paper", "--out", out, "--progress", "none"],
      EXPERIMENTS,
    );
    assert.notEqual(code, 0);
  } finally {
    console.error = original;
  }
  assert.match(errors.join("\n"), /paper tier trains the paper's 224 px models on an ImageNet-style folder/);
  assert.match(errors.join("\n"), /--data <folder>/);
  Deno.removeSync(out, { recursive: true });
});

Deno.test("cli: shards prints one runnable command per long-tier net; an unknown shard is an error listing them", async () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    assert.equal(await main(["shards", "--tier", "long"], EXPERIMENTS), 0);
  } finally {
    console.log = original;
  }
  assert.ok(
    lines.every((l) =>
      /^\.\/rectifiers exp (small-model|init-depth) --tier long --shard [a-z0-9-]+$/.test(l)
    ),
  );
  const small = lines.filter((l) => l.includes("exp small-model"));
  assert.equal(small.length, 12, "four rectifiers, three seeds");
  assert.ok(
    small.includes("./rectifiers exp small-model --tier long --shard small-model-long-prelu-channel-seed3"),
  );
  // --missing leaves out what a results folder has published (a finished shard's record).
  const out = Deno.makeTempDirSync({ prefix: "rectifiers-missing-" });
  const dir = `${out}/small-model/long/shards`;
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(`${dir}/small-model-long-relu-seed2.json`, "{}");
  Deno.writeTextFileSync(`${dir}/small-model-long-lrelu-seed1.partial.ckpt`, "");
  const missing = shardLines("long", "small-model", null, out);
  assert.equal(missing.length, 11);
  assert.ok(!missing.some((l) => l.endsWith("--shard small-model-long-relu-seed2")));
  assert.ok(
    missing.some((l) => l.endsWith("--shard small-model-long-lrelu-seed1")),
    "a piece is not a shard",
  );
  Deno.removeSync(out, { recursive: true });
  const depth = lines.filter((l) => l.includes("exp init-depth"));
  assert.deepEqual(depth.map((l) => l.split("--shard ")[1]), [
    "init-depth-long-22-he-seed1",
    "init-depth-long-22-xavier-seed1",
    "init-depth-long-30-he-seed1",
    "init-depth-long-30-xavier-seed1",
    "init-depth-long-30-he-converged-seed1",
    "init-depth-long-30-he-converged-seed2",
    "init-depth-long-30-he-converged-seed3",
  ]);
  const errors: string[] = [];
  const originalError = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  try {
    const args = ["exp", "small-model", "--tier", "long", "--shard", "small-model-long-elu-seed1"];
    assert.equal(await main(args, EXPERIMENTS), 1);
  } finally {
    console.error = originalError;
  }
  assert.match(
    errors.join("\n"),
    /small-model has no shard small-model-long-elu-seed1 at tier long; its shards: /,
  );
  // At the default tier every experiment that trains nets lists them; demos only when named.
  const at = async (args: string[]) => {
    const out: string[] = [];
    console.log = (...a: unknown[]) => out.push(a.join(" "));
    try {
      assert.equal(await main(args, EXPERIMENTS), 0);
    } finally {
      console.log = original;
    }
    return out;
  };
  const listed = new Set((await at(["shards", "--tier", "default"])).map((l) => l.split(" ")[2]));
  assert.deepEqual([...listed], ["small-model", "init-depth", "models-abc", "ensemble", "transfer"]);
  assert.deepEqual(await at(["shards", "--tier", "default", "--only", "pipeline-demo"]), [
    "./rectifiers exp pipeline-demo --tier default --shard pipeline-demo-default-prelu-3-seed1",
  ]);
});
