import assert from "node:assert/strict";
import { Rng } from "../lib/rng.ts";

Deno.test("rng: deterministic per seed, and state round-trips through a checkpoint", () => {
  const a = new Rng(123);
  const b = new Rng(123);
  for (let i = 0; i < 100; i++) assert.equal(a.nextU32(), b.nextU32());
  a.normal(); // leaves a spare normal in the state
  const restored = Rng.fromState(JSON.parse(JSON.stringify(a.getState())));
  for (let i = 0; i < 10; i++) assert.equal(restored.normal(), a.normal());
  assert.notEqual(new Rng(1).nextU32(), new Rng(2).nextU32());
});

Deno.test("rng: uniform and normal moments (200k draws, 5-sigma bounds)", () => {
  const r = new Rng(9);
  const n = 200_000;
  let su = 0, sn = 0, sn2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    const z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  assert.ok(Math.abs(su / n - 0.5) < 5 * Math.sqrt(1 / 12 / n));
  assert.ok(Math.abs(sn / n) < 5 / Math.sqrt(n));
  assert.ok(Math.abs(sn2 / n - 1) < 5 * Math.sqrt(2 / n));
});

Deno.test("rng: shuffle is a permutation", () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  new Rng(3).shuffle(xs);
  assert.deepEqual([...xs].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(xs, Array.from({ length: 50 }, (_, i) => i));
});
