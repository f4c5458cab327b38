/** The paper's architectures as built here: layer lists, parameter counts and operation counts. */
import assert from "node:assert/strict";
import { countMacs, countParams, describe } from "../lib/models/network.ts";
import { paperSmall14, scaledSmall14 } from "../lib/models/zoo.ts";

Deno.test("models: the paper's 14-layer model (Table 1) has 11 conv + 3 fc layers and a 12,800-input fc1", () => {
  const infos = describe(paperSmall14("prelu-channel", { kind: "he-forward" }));
  const convs = infos.filter((l) => l.type === "conv");
  const fcs = infos.filter((l) => l.type === "fc");
  assert.equal(convs.length, 11);
  assert.equal(fcs.length, 3);
  assert.deepEqual(convs.map((l) => l.shape[0]), [64, 128, 128, 128, 128, 256, 256, 256, 256, 256, 256]);
  assert.deepEqual(infos.find((l) => l.name === "conv1")!.shape, [64, 109, 109]);
  // SPP {6,3,2,1}: 50 bins of 256 channels feed fc1 (digest section 3.1: 12,800).
  assert.deepEqual(infos.find((l) => l.type === "spp")!.shape, [12800]);
  assert.equal(fcs[0].params, 12800 * 4096 + 4096);
  // 13 rectifiers; channel-wise PReLU adds 64 + 4*128 + 6*256 + 4096 + 4096 = 10,304 parameters, shared 13.
  const acts = infos.filter((l) => l.type === "act");
  assert.equal(acts.length, 13);
  assert.equal(acts.reduce((a, l) => a + l.params, 0), 10304);
  const shared = describe(paperSmall14("prelu-shared", { kind: "he-forward" })).filter((l) =>
    l.type === "act"
  );
  assert.equal(shared.reduce((a, l) => a + l.params, 0), 13);
  const relu = describe(paperSmall14("relu", { kind: "he-forward" }));
  assert.equal(countParams(infos) - countParams(relu), 10304);
  // conv1 alone: 109^2 * 64 * 7*7*3 multiply-adds
  assert.equal(convs[0].macs, 109 * 109 * 64 * 147);
  assert.ok(countMacs(infos) > 1e9, "over a billion multiply-adds per 224x224 image");
});

Deno.test("models: the scaled 14-layer model keeps depth, kernels and SPP on 28x28 crops", () => {
  const infos = describe(scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10));
  const convs = infos.filter((l) => l.type === "conv");
  assert.equal(convs.length, 11);
  assert.deepEqual(convs.map((l) => l.detail.split(",")[0]), ["7x7", ...new Array(10).fill("2x2")]);
  assert.deepEqual(infos.find((l) => l.name === "pool2")!.shape, [32, 5, 5]);
  assert.deepEqual(infos.find((l) => l.name === "conv36")!.shape, [64, 5, 5]);
  assert.deepEqual(infos.find((l) => l.type === "spp")!.shape, [64 * 21]);
  assert.equal(infos.filter((l) => l.type === "dropout").length, 2);
  const deep = describe(scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10, 4, 16));
  assert.equal(deep.filter((l) => l.type === "conv").length + deep.filter((l) => l.type === "fc").length, 30);
});
