/**
 * The committed long-tier shards (results/<experiment>/long/shards/): every record's weights file is the one it
 * names (size and SHA-256), loads into the architecture the record gives under PyTorch's names, and, where the
 * PyTorch twin evaluated them (torch_check.json), PyTorch's test error on our weights matches ours.
 */
import assert from "node:assert/strict";
import "./helpers.ts";
import { loadNamedWeights, readTorchCheck } from "../lib/experiments/publish.ts";
import type { ShardRecord } from "../lib/experiments/shards.ts";
import { Network } from "../lib/models/network.ts";
import { ReferenceBackend } from "../lib/reference/backend.ts";
import { Rng } from "../lib/rng.ts";
import { sha256Hex } from "../lib/util/fs.ts";
import { PROJECT_ROOT } from "../lib/util/paths.ts";

function published(
  exp: string,
): { dir: string; records: ShardRecord<{ centre: { top1Err: number }; ten?: { top1Err: number } }>[] } {
  const dir = `${PROJECT_ROOT}/results/${exp}/long/shards`;
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"));
  } catch { /* none yet */ }
  return { dir, records: names.sort().map((n) => JSON.parse(Deno.readTextFileSync(`${dir}/${n}`))) };
}

Deno.test("published shards: each weights file is its record's, and loads into the record's architecture", () => {
  for (const exp of ["small-model", "init-depth"]) {
    const { dir, records } = published(exp);
    for (const r of records) {
      assert.equal(`${r.name}.json`, `${r.name}.json`);
      assert.ok(r.weights, `${r.name}: a published shard names its weights`);
      const bytes = Deno.readFileSync(`${dir}/${r.weights!.file}`);
      assert.equal(bytes.length, r.weights!.bytes, `${r.name}: weights size`);
      assert.equal(sha256Hex(bytes), r.weights!.sha256, `${r.name}: weights checksum`);
      const net = new Network(r.model.spec, new ReferenceBackend(), new Rng(0));
      loadNamedWeights(net, bytes);
      assert.ok(r.training.epochs.length > 0, `${r.name}: per-epoch records`);
      assert.ok(r.model.numerics.length === 16 && r.model.git !== undefined, `${r.name}: provenance`);
    }
  }
});

Deno.test("published shards: PyTorch's test error on our weights matches ours within 0.1 points, centre and 10-view", async () => {
  for (const exp of ["small-model", "init-depth"]) {
    // No rows where none was evaluated yet (deno task twin-long --evaluate).
    const check = await readTorchCheck(`${PROJECT_ROOT}/results/${exp}/long/torch_check.json`);
    const { records } = published(exp);
    for (const row of check.values()) {
      const r = records.find((x) => x.name === row.shard);
      assert.ok(r, `${row.shard}: torch_check.json names a shard that is published`);
      assert.equal(row.ours, r!.measurements.centre.top1Err, `${row.shard}: our error is the record's`);
      if (row.weights !== undefined) {
        assert.equal(
          row.weights,
          r!.weights?.sha256,
          `${row.shard}: PyTorch evaluated the published weights`,
        );
      }
      assert.ok(
        Math.abs(row.torch - row.ours) <= 0.001,
        `${row.shard}: ours ${row.ours}, PyTorch ${row.torch}`,
      );
      if (row.tenOurs === undefined) continue; // evaluated before the 10-view check existed
      assert.equal(
        row.tenOurs,
        r!.measurements.ten?.top1Err,
        `${row.shard}: our 10-view error is the record's`,
      );
      assert.ok(
        Math.abs(row.tenTorch! - row.tenOurs) <= 0.001,
        `${row.shard}: 10-view ours ${row.tenOurs}, PyTorch ${row.tenTorch}`,
      );
    }
  }
});
