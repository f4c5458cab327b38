/** The paper's architectures as built here: layer lists, parameter counts and operation counts. */
import assert from "node:assert/strict";
import { countMacs, countParams, describe, type NetSpec } from "../lib/models/network.ts";
import {
  fcInitKeepingGain,
  type LargeModel,
  paperLarge,
  paperSmall14,
  scaledLarge,
  scaledSmall14,
  type Scaling,
} from "../lib/models/zoo.ts";

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

const SMALL: Scaling = { widths: [16, 32, 64], fcUnits: 256, dropout: 0.5, head: "paper" };
const LARGE: Scaling = { widths: [16, 16, 32, 32], fcUnits: 256, dropout: 0, head: "he" };

Deno.test("models: the 32px 14-layer model keeps depth, kernels and SPP, its stages at 14, 7 and 4", () => {
  const infos = describe(scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10, SMALL));
  const convs = infos.filter((l) => l.type === "conv");
  assert.equal(convs.length, 11);
  assert.deepEqual(convs.map((l) => l.detail.split(",")[0]), ["7x7", ...new Array(10).fill("2x2")]);
  assert.deepEqual(infos.find((l) => l.name === "conv1")!.shape, [16, 14, 14]);
  assert.deepEqual(infos.find((l) => l.name === "conv24")!.shape, [32, 7, 7]);
  assert.deepEqual(infos.find((l) => l.name === "pool2")!.shape, [32, 4, 4]);
  assert.deepEqual(infos.find((l) => l.name === "conv36")!.shape, [64, 4, 4]);
  // No conv layer runs on a map smaller than 4x4.
  for (const c of convs) assert.ok(c.shape[1] >= 4, `${c.name}: ${c.shape}`);
  assert.deepEqual(infos.find((l) => l.type === "spp")!.shape, [64 * 21]);
  assert.equal(infos.filter((l) => l.type === "dropout").length, 2);
  const noDropout = describe(
    scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10, { ...SMALL, dropout: 0 }),
  );
  assert.equal(noDropout.filter((l) => l.type === "dropout").length, 0);
  const deep = describe(scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10, SMALL, 16));
  assert.equal(deep.filter((l) => l.type === "conv").length + deep.filter((l) => l.type === "fc").length, 30);
});

Deno.test("models: Table 3's VGG-19 and models A, B, C at the paper's size: layers, parameters, operations", () => {
  const count = (m: LargeModel) => describe(paperLarge(m, "relu", { kind: "he-backward" }));
  const convs = (infos: ReturnType<typeof describe>) => infos.filter((l) => l.type === "conv");
  const depth = (infos: ReturnType<typeof describe>) =>
    infos.filter((l) => l.type === "conv" || l.type === "fc").length;
  const a = count("A");
  const b = count("B");
  const c = count("C");
  const vgg = count("vgg19");
  assert.deepEqual([depth(vgg), depth(a), depth(b), depth(c)], [19, 19, 22, 22]);
  // Model A: conv1 7x7/2 96 -> 112, pool -> 56, five 3x3 convs per stage at 56 (256), 28 (512), 14 (512).
  assert.deepEqual(a.find((l) => l.name === "conv1")!.shape, [96, 112, 112]);
  assert.deepEqual(convs(a).slice(1).map((l) => `${l.shape[0]}@${l.shape[1]}`), [
    ...new Array(5).fill("256@56"),
    ...new Array(5).fill("512@28"),
    ...new Array(5).fill("512@14"),
  ]);
  assert.deepEqual(convs(c).slice(1).map((l) => l.shape[0]), [
    ...new Array(6).fill(384),
    ...new Array(6).fill(768),
    ...new Array(6).fill(896),
  ]);
  // SPP {7,3,2,1} = 63 bins: fc1 takes 63 * 512 = 32,256 inputs (A, B) and 63 * 896 = 56,448 (C).
  assert.deepEqual(a.find((l) => l.type === "spp")!.shape, [32256]);
  assert.deepEqual(c.find((l) => l.type === "spp")!.shape, [56448]);
  assert.deepEqual(vgg.find((l) => l.name === "pool5")!.shape, [512, 7, 7]);
  // Multiply-adds of conv + fc per 224x224 image (digest section 3.4): 1.963, 1.906, 2.322, 5.346 x 10^10.
  const ops = [vgg, a, b, c].map((infos) => +(countMacs(infos) / 1e10).toFixed(3));
  assert.deepEqual(ops, [1.963, 1.906, 2.322, 5.346]);
  assert.deepEqual([vgg, a, b, c].map((infos) => +(countMacs(infos, ["conv"]) / 1e10).toFixed(3)), [
    1.951,
    1.891,
    2.307,
    5.321,
  ]);
  // VGG-19's well-known 143.7M parameters; A: conv1 96*147 + stages + fc.
  assert.equal(countParams(vgg), 143667240);
  const convParams = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
  const expectedA = convParams(7, 3, 96) + convParams(3, 96, 256) + 4 * convParams(3, 256, 256) +
    convParams(3, 256, 512) + 9 * convParams(3, 512, 512) + (32256 * 4096 + 4096) + (4096 * 4096 + 4096) +
    (4096 * 1000 + 1000);
  assert.equal(countParams(a), expectedA);
});

Deno.test("models: the 30-layer model (27 conv + 3 fc) and the scaled A/B/C keep the paper's structure", () => {
  const deep = describe(paperSmall14("relu", { kind: "he-forward" }, 16));
  assert.equal(deep.filter((l) => l.type === "conv").length, 27);
  assert.equal(deep.filter((l) => l.type === "fc").length, 3);
  assert.equal(deep.filter((l) => l.type === "conv" && l.shape[0] === 256).length, 22);
  const small = describe(paperSmall14("relu", { kind: "he-forward" }));
  // 16 extra 2x2 256->256 convs on the conv3 stage's m x m map, padding alternately 1 and 0 as the stage does:
  // eight produce (m + 1)^2 outputs and eight m^2.
  const m = small.find((l) => l.name === "conv36")!.shape[1];
  const extra = 8 * 2 * 2 * 256 * 256 * ((m + 1) ** 2 + m ** 2);
  assert.equal(countMacs(deep) - countMacs(small), extra);
  for (const [m, perStage] of [["A", 5], ["B", 6], ["C", 6]] as const) {
    const infos = describe(scaledLarge(m, "prelu-channel", { kind: "he-backward" }, [3, 28, 28], 10, LARGE));
    const convs = infos.filter((l) => l.type === "conv");
    assert.equal(convs.length, 1 + 3 * perStage);
    assert.deepEqual(convs.slice(1).map((l) => l.shape[1]), [
      ...new Array(perStage).fill(14),
      ...new Array(perStage).fill(7),
      ...new Array(perStage).fill(4),
    ]);
    assert.deepEqual(infos.find((l) => l.type === "spp")!.shape, [convs.at(-1)!.shape[0] * 21]);
  }
  // C widens B's stages by the paper's ratios, so C costs about 2.3x B, as Table 3's 5.30 / 2.32.
  const cost = (m: "B" | "C") =>
    countMacs(describe(scaledLarge(m, "relu", { kind: "he-backward" }, [3, 28, 28], 10, LARGE)));
  const ratio = cost("C") / cost("B");
  assert.ok(ratio > 2.0 && ratio < 2.6, `C / B = ${ratio}`);
});

Deno.test("models: scaled fc layers keep the paper's fc gains n * std^2", () => {
  const paper = paperSmall14("relu", { kind: "he-forward" });
  const scaled = scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10, SMALL);
  const gains = (spec: NetSpec) => {
    const fcs = describe(spec).filter((l) => l.type === "fc");
    return fcs.map((l, i) => {
      const init = spec.fcInit[i];
      assert.equal(init.kind, "gaussian");
      return (l.params / l.shape[0] - 1) * (init as { std: number }).std ** 2;
    });
  };
  const expected = gains(paper);
  gains(scaled).forEach((g, i) =>
    assert.ok(Math.abs(g / expected[i] - 1) < 1e-9, `fc${i + 1}: ${g} vs ${expected[i]}`)
  );
  assert.deepEqual(fcInitKeepingGain(paper, paper), paper.fcInit);
  // "he": the fc layers take the conv layers' init instead.
  const he = scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10, { ...SMALL, head: "he" });
  assert.deepEqual(he.fcInit, [{ kind: "he-forward" }, { kind: "he-forward" }, { kind: "he-forward" }]);
  // "he-hidden": He's init on fc1 and fc2, the classifier keeps the paper's gain.
  const hidden = scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10, {
    ...SMALL,
    head: "he-hidden",
  });
  assert.deepEqual(hidden.fcInit.slice(0, 2), [{ kind: "he-forward" }, { kind: "he-forward" }]);
  assert.deepEqual(hidden.fcInit[2], scaled.fcInit[2]);
  // "he-zero": He's init on fc1 and fc2, the classifier at zero.
  const zero = scaledSmall14("relu", { kind: "he-forward" }, [3, 28, 28], 10, { ...SMALL, head: "he-zero" });
  assert.deepEqual(zero.fcInit, [{ kind: "he-forward" }, { kind: "he-forward" }, {
    kind: "gaussian",
    std: 0,
  }]);
});
