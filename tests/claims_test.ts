/**
 * Claims as data: every claim kind can reach each of its outcomes (reproduced, not reproduced, inconclusive, and
 * "not testable" through a failed precondition) at the seed counts the tiers use, its rule prose comes from the
 * same definition, and a rule that always says "reproduced" (an injected fault) is caught here.
 */
import { Rng } from "../lib/rng.ts";
import assert from "node:assert/strict";
import * as claims from "../lib/results/claims.ts";
import type { Claim, Verdict } from "../lib/results/claims.ts";
import { setFaultForTest } from "../lib/faults.ts";
import { slopeMoved } from "../lib/experiments/slopes.ts";
import {
  identicalPassRate,
  mcnemar,
  pairedDifference,
  seedsNeeded,
  spearmanCritical,
  welchDifference,
  withinSpreadOrMargin,
} from "../lib/results/stats.ts";

const base = (id: string) => ({ id, text: `claim ${id}`, paper: "Table 0", regime: "converged" as const });
const s = (label: string, values: number[]) => ({ label, values });
const unmet = { met: false, what: "the slopes moved", measured: "0.001" };
const met = { met: true, what: "the slopes moved", measured: "0.2" };
const curve = (label: string, errs: number[]) => ({
  label,
  points: errs.map((err, i) => ({ epoch: i * 0.1, err })),
});
const correct = (pattern: string) => [...pattern].map((ch) => ch === "1");
/** n images, of which A alone is right on `onlyA` and B alone on `onlyB`; both right on the rest. */
const discordant = (n: number, onlyA: number, onlyB: number) => ({
  a: { label: "A", correct: correct("1".repeat(onlyA) + "0".repeat(onlyB) + "1".repeat(n - onlyA - onlyB)) },
  b: { label: "B", correct: correct("0".repeat(onlyA) + "1".repeat(onlyB) + "1".repeat(n - onlyA - onlyB)) },
});
const noise = (sd: number, df = 4) => ({ sd, df, from: "sibling variants" });

type Outcome = Exclude<Verdict, "not testable">;
/**
 * Which side of the claim's band or target the measurement lies on: "below"/"above" the target (or a negative /
 * positive difference), "inside" the band, "-" where the kind has no sides (a trend, a crossing).
 */
type Side = "below" | "above" | "inside" | "-";
type Case = [Outcome, Side, () => Claim];

/** For each kind: inputs that give each outcome from each side of its band, at the tiers' seed counts. */
const cases: Record<string, Case[]> = {
  better: [
    [
      "reproduced",
      "above",
      () => claims.better({ ...base("b"), a: s("A", [0.30, 0.31, 0.32]), b: s("B", [0.35, 0.36, 0.37]) }),
    ],
    [
      "not reproduced",
      "below",
      () => claims.better({ ...base("b"), a: s("A", [0.40, 0.41, 0.42]), b: s("B", [0.35, 0.36, 0.37]) }),
    ],
    [
      "inconclusive",
      "above",
      () => claims.better({ ...base("b"), a: s("A", [0.30, 0.40, 0.35]), b: s("B", [0.35, 0.34, 0.36]) }),
    ],
    [
      "inconclusive",
      "below",
      () => claims.better({ ...base("b"), a: s("A", [0.40, 0.30, 0.36]), b: s("B", [0.35, 0.34, 0.36]) }),
    ],
  ],
  equivalent: [
    [
      "reproduced",
      "inside",
      () =>
        claims.equivalent({
          ...base("e"),
          a: s("A", [0.300, 0.310, 0.320]),
          b: s("B", [0.302, 0.311, 0.319]),
          margin: 0.01,
        }),
    ],
    [
      "not reproduced",
      "below",
      () =>
        claims.equivalent({
          ...base("e"),
          a: s("A", [0.30, 0.31, 0.32]),
          b: s("B", [0.35, 0.36, 0.37]),
          margin: 0.01,
        }),
    ],
    [
      "not reproduced",
      "above",
      () =>
        claims.equivalent({
          ...base("e"),
          a: s("A", [0.35, 0.36, 0.37]),
          b: s("B", [0.30, 0.31, 0.32]),
          margin: 0.01,
        }),
    ],
    [
      "inconclusive",
      "above",
      () =>
        claims.equivalent({
          ...base("e"),
          a: s("A", [0.30, 0.33, 0.31]),
          b: s("B", [0.31, 0.31, 0.31]),
          margin: 0.01,
        }),
    ],
    [
      "inconclusive",
      "below",
      () =>
        claims.equivalent({
          ...base("e"),
          a: s("A", [0.31, 0.29, 0.30]),
          b: s("B", [0.31, 0.31, 0.31]),
          margin: 0.01,
        }),
    ],
  ],
  noBetter: [
    [
      "reproduced",
      "inside",
      () =>
        claims.noBetter({
          ...base("n"),
          a: s("A", [0.350, 0.360, 0.370]),
          b: s("B", [0.351, 0.361, 0.369]),
          margin: 0.01,
        }),
    ],
    [
      "not reproduced",
      "above",
      () =>
        claims.noBetter({
          ...base("n"),
          a: s("A", [0.30, 0.31, 0.32]),
          b: s("B", [0.35, 0.36, 0.37]),
          margin: 0.01,
        }),
    ],
    [
      "inconclusive",
      "above",
      () =>
        claims.noBetter({
          ...base("n"),
          a: s("A", [0.30, 0.36, 0.33]),
          b: s("B", [0.35, 0.35, 0.35]),
          margin: 0.01,
        }),
    ],
    [
      "reproduced",
      "below",
      () =>
        claims.noBetter({
          ...base("n"),
          a: s("A", [0.40, 0.41, 0.42]),
          b: s("B", [0.35, 0.36, 0.37]),
          margin: 0.01,
        }),
    ],
  ],
  mcnemar: [
    [
      "reproduced",
      "above",
      () => claims.mcnemar({ ...base("m"), ...discordant(40, 30, 10), metric: "top-1" }),
    ],
    [
      "not reproduced",
      "below",
      () => claims.mcnemar({ ...base("m"), ...discordant(40, 10, 30), metric: "top-1" }),
    ],
    [
      "inconclusive",
      "above",
      () => claims.mcnemar({ ...base("m"), ...discordant(21, 11, 10), metric: "top-1" }),
    ],
    [
      "inconclusive",
      "below",
      () => claims.mcnemar({ ...base("m"), ...discordant(21, 10, 11), metric: "top-1" }),
    ],
  ],
  pairedEquivalent: [
    [
      "reproduced",
      "inside",
      () =>
        claims.pairedEquivalent({
          ...base("pe"),
          ...discordant(6000, 500, 500),
          margin: 0.01,
          metric: "top-1",
        }),
    ],
    [
      "not reproduced",
      "above",
      () =>
        claims.pairedEquivalent({
          ...base("pe"),
          ...discordant(6000, 0, 1000),
          margin: 0.01,
          metric: "top-1",
        }),
    ],
    [
      "not reproduced",
      "below",
      () =>
        claims.pairedEquivalent({
          ...base("pe"),
          ...discordant(6000, 1000, 0),
          margin: 0.01,
          metric: "top-1",
        }),
    ],
    [
      "inconclusive",
      "inside",
      () =>
        claims.pairedEquivalent({ ...base("pe"), ...discordant(90, 20, 20), margin: 0.01, metric: "top-1" }),
    ],
    [
      "inconclusive",
      "above",
      () =>
        claims.pairedEquivalent({ ...base("pe"), ...discordant(90, 18, 22), margin: 0.01, metric: "top-1" }),
    ],
    [
      "inconclusive",
      "below",
      () =>
        claims.pairedEquivalent({ ...base("pe"), ...discordant(90, 22, 18), margin: 0.01, metric: "top-1" }),
    ],
  ],
  oneSeedPair: [
    // "better": error(B) - error(A) with seed noise; 10,000 images.
    [
      "reproduced",
      "above",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 1500, 500),
          test: "better",
          metric: "top-1",
          seedNoise: noise(0.01),
        }),
    ],
    [
      "not reproduced",
      "below",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 500, 1500),
          test: "better",
          metric: "top-1",
          seedNoise: noise(0.01),
        }),
    ],
    [
      "inconclusive",
      "above",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 1200, 1000),
          test: "better",
          metric: "top-1",
          seedNoise: noise(0.01),
        }),
    ],
    [
      "inconclusive",
      "below",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 1000, 1200),
          test: "better",
          metric: "top-1",
          seedNoise: noise(0.01),
        }),
    ],
    // "equivalent" against +-1 point: tiny seed noise can resolve it, large cannot.
    [
      "reproduced",
      "inside",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 300, 300),
          test: "equivalent",
          margin: 0.01,
          metric: "top-1",
          seedNoise: noise(0.001, 20),
        }),
    ],
    [
      "not reproduced",
      "above",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 300, 1300),
          test: "equivalent",
          margin: 0.01,
          metric: "top-1",
          seedNoise: noise(0.01),
        }),
    ],
    [
      "not reproduced",
      "below",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 1300, 300),
          test: "equivalent",
          margin: 0.01,
          metric: "top-1",
          seedNoise: noise(0.01),
        }),
    ],
    [
      "inconclusive",
      "inside",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 300, 300),
          test: "equivalent",
          margin: 0.01,
          metric: "top-1",
          seedNoise: noise(0.015),
        }),
    ],
    [
      "inconclusive",
      "above",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 300, 500),
          test: "equivalent",
          margin: 0.01,
          metric: "top-1",
          seedNoise: noise(0.015),
        }),
    ],
    [
      "inconclusive",
      "below",
      () =>
        claims.oneSeedPair({
          ...base("o"),
          ...discordant(10000, 500, 300),
          test: "equivalent",
          margin: 0.01,
          metric: "top-1",
          seedNoise: noise(0.015),
        }),
    ],
  ],
  trend: [
    [
      "reproduced",
      "-",
      () =>
        claims.trend({
          ...base("t"),
          items: [..."abcdefghij"],
          values: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
          direction: "decreasing",
        }),
    ],
    [
      "not reproduced",
      "-",
      () =>
        claims.trend({
          ...base("t"),
          items: [..."abcdefghij"],
          values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          direction: "decreasing",
        }),
    ],
    [
      "inconclusive",
      "-",
      () =>
        claims.trend({
          ...base("t"),
          items: [..."abcdefghij"],
          values: [5, 1, 9, 3, 7, 2, 8, 4, 10, 6],
          direction: "decreasing",
        }),
    ],
  ],
  largest: [
    [
      "reproduced",
      "above",
      () =>
        claims.largest({
          ...base("l"),
          item: "x",
          series: [s("x", [0.6, 0.62, 0.61]), s("y", [0.3, 0.31, 0.29]), s("z", [0.2, 0.21, 0.2])],
        }),
    ],
    [
      "not reproduced",
      "below",
      () =>
        claims.largest({
          ...base("l"),
          item: "x",
          series: [s("x", [0.3, 0.31, 0.29]), s("y", [0.6, 0.62, 0.61]), s("z", [0.2, 0.21, 0.2])],
        }),
    ],
    [
      "inconclusive",
      "above",
      () =>
        claims.largest({
          ...base("l"),
          item: "x",
          series: [s("x", [0.6, 0.3, 0.5]), s("y", [0.45, 0.46, 0.44]), s("z", [0.2, 0.21, 0.2])],
        }),
    ],
    [
      "inconclusive",
      "below",
      () =>
        claims.largest({
          ...base("l"),
          item: "x",
          series: [s("x", [0.3, 0.6, 0.4]), s("y", [0.45, 0.46, 0.44]), s("z", [0.2, 0.21, 0.2])],
        }),
    ],
  ],
  bound: [
    [
      "reproduced",
      "below",
      () =>
        claims.bound({ ...base("o"), values: s("share", [0.01, 0.012, 0.011]), bound: 0.05, side: "below" }),
    ],
    [
      "not reproduced",
      "above",
      () => claims.bound({ ...base("o"), values: s("share", [0.2, 0.21, 0.22]), bound: 0.05, side: "below" }),
    ],
    [
      "inconclusive",
      "below",
      () =>
        claims.bound({ ...base("o"), values: s("share", [0.01, 0.09, 0.03]), bound: 0.05, side: "below" }),
    ],
    [
      "inconclusive",
      "above",
      () =>
        claims.bound({ ...base("o"), values: s("share", [0.01, 0.09, 0.07]), bound: 0.05, side: "below" }),
    ],
  ],
  signTest: [
    [
      "reproduced",
      "below",
      () =>
        claims.signTest({
          ...base("g"),
          aLabel: "A",
          bLabel: "B",
          items: Array.from(
            { length: 8 },
            (_, i) => ({ label: `l${i}`, a: [1, 1.1, 1.05], b: [2, 2.1, 2.05] }),
          ),
        }),
    ],
    [
      "not reproduced",
      "above",
      () =>
        claims.signTest({
          ...base("g"),
          aLabel: "A",
          bLabel: "B",
          items: Array.from(
            { length: 8 },
            (_, i) => ({ label: `l${i}`, a: [2, 2.1, 2.05], b: [1, 1.1, 1.05] }),
          ),
        }),
    ],
    [
      "inconclusive",
      "-",
      () =>
        claims.signTest({
          ...base("g"),
          aLabel: "A",
          bLabel: "B",
          items: Array.from(
            { length: 8 },
            (_, i) => ({ label: `l${i}`, a: [1, 2, 1.5], b: [1.4, 1.6, 1.5] }),
          ),
        }),
    ],
  ],
  stall: [
    [
      "reproduced",
      "inside",
      () =>
        claims.stall({
          ...base("st"),
          curve: curve("X", [0.9, 0.901, 0.899, 0.9]),
          chance: 0.9,
          valImages: 5000,
          window: 0.3,
        }),
    ],
    [
      "not reproduced",
      "below",
      () =>
        claims.stall({
          ...base("st"),
          curve: curve("X", [0.9, 0.85, 0.7, 0.6]),
          chance: 0.9,
          valImages: 5000,
          window: 0.3,
        }),
    ],
    [
      "inconclusive",
      "below",
      () =>
        claims.stall({
          ...base("st"),
          curve: curve("X", [0.9, 0.88, 0.87, 0.875]),
          chance: 0.9,
          valImages: 5000,
          window: 0.3,
        }),
    ],
    // At chance throughout, but shorter than the paper's span: a stall over it is not shown.
    [
      "inconclusive",
      "inside",
      () =>
        claims.stall({
          ...base("st"),
          curve: curve("X", [0.9, 0.901, 0.899, 0.9]),
          chance: 0.9,
          valImages: 5000,
          window: 1,
        }),
    ],
  ],
  earlier: [
    [
      "reproduced",
      "-",
      () =>
        claims.earlier({
          ...base("ea"),
          a: curve("He", [0.9, 0.85, 0.8, 0.7]),
          b: curve("Xavier", [0.9, 0.9, 0.9, 0.9]),
          threshold: 0.88,
          interval: 0.1,
        }),
    ],
    [
      "not reproduced",
      "-",
      () =>
        claims.earlier({
          ...base("ea"),
          a: curve("He", [0.9, 0.9, 0.9, 0.9]),
          b: curve("Xavier", [0.9, 0.85, 0.8, 0.7]),
          threshold: 0.88,
          interval: 0.1,
        }),
    ],
    [
      "inconclusive",
      "-",
      () =>
        claims.earlier({
          ...base("ea"),
          a: curve("He", [0.9, 0.85, 0.8, 0.7]),
          b: curve("Xavier", [0.9, 0.86, 0.8, 0.7]),
          threshold: 0.88,
          interval: 0.1,
        }),
    ],
  ],
  analytic: [
    [
      "reproduced",
      "inside",
      () => claims.analytic({ ...base("an"), value: 1.001, target: 1, tolerance: 0.005, outer: 0.02 }),
    ],
    [
      "not reproduced",
      "above",
      () => claims.analytic({ ...base("an"), value: 1.05, target: 1, tolerance: 0.005, outer: 0.02 }),
    ],
    [
      "not reproduced",
      "below",
      () => claims.analytic({ ...base("an"), value: 0.95, target: 1, tolerance: 0.005, outer: 0.02 }),
    ],
    [
      "inconclusive",
      "above",
      () => claims.analytic({ ...base("an"), value: 1.009, target: 1, tolerance: 0.005, outer: 0.02 }),
    ],
    [
      "inconclusive",
      "below",
      () => claims.analytic({ ...base("an"), value: 0.991, target: 1, tolerance: 0.005, outer: 0.02 }),
    ],
    // On a log2 scale (tolerances in factors of 2): far below the target is "not reproduced", not a gap under 1.
    [
      "reproduced",
      "inside",
      () => claims.analytic({ ...base("an"), value: 0.8, target: 1, tolerance: 0.5, outer: 1, log2: true }),
    ],
    [
      "not reproduced",
      "below",
      () => claims.analytic({ ...base("an"), value: 0.011, target: 1, tolerance: 0.5, outer: 1, log2: true }),
    ],
    [
      "not reproduced",
      "above",
      () => claims.analytic({ ...base("an"), value: 3, target: 1, tolerance: 0.5, outer: 1, log2: true }),
    ],
    [
      "inconclusive",
      "below",
      () => claims.analytic({ ...base("an"), value: 0.6, target: 1, tolerance: 0.5, outer: 1, log2: true }),
    ],
    [
      "inconclusive",
      "above",
      () => claims.analytic({ ...base("an"), value: 1.7, target: 1, tolerance: 0.5, outer: 1, log2: true }),
    ],
  ],
  nearTarget: [
    [
      "reproduced",
      "inside",
      () =>
        claims.nearTarget({
          ...base("nt"),
          values: s("gain", [0.99, 1.01, 1.0, 1.02, 0.98, 1.0]),
          target: 1,
          tolerance: 0.1,
        }),
    ],
    [
      "not reproduced",
      "below",
      () =>
        claims.nearTarget({
          ...base("nt"),
          values: s("gain", [0.49, 0.51, 0.5, 0.52, 0.48, 0.5]),
          target: 1,
          tolerance: 0.1,
        }),
    ],
    [
      "not reproduced",
      "above",
      () =>
        claims.nearTarget({
          ...base("nt"),
          values: s("gain", [1.99, 2.01, 2.0, 2.02, 1.98, 2.0]),
          target: 1,
          tolerance: 0.1,
        }),
    ],
    [
      "inconclusive",
      "below",
      () =>
        claims.nearTarget({
          ...base("nt"),
          values: s("gain", [0.7, 1.0, 0.8, 1.1, 0.75, 0.95]),
          target: 1,
          tolerance: 0.1,
        }),
    ],
    [
      "inconclusive",
      "above",
      () =>
        claims.nearTarget({
          ...base("nt"),
          values: s("gain", [1.3, 1.0, 1.2, 0.9, 1.25, 1.05]),
          target: 1,
          tolerance: 0.1,
        }),
    ],
    [
      "not reproduced",
      "below",
      () =>
        claims.nearTarget({
          ...base("nt"),
          values: s("ratio", [2 ** -13, 2 ** -14, 2 ** -12.5]),
          target: 1,
          log2: true,
          tolerance: 0.5,
        }),
    ],
  ],
};

/** Kinds whose band has two sides: each of their failing outcomes must be reachable from below and above. */
const TWO_SIDED = ["equivalent", "pairedEquivalent", "oneSeedPair", "analytic", "nearTarget"];

Deno.test("claims: every kind reaches each outcome, from both sides of its band", () => {
  const kinds: claims.ClaimKind[] = [
    "better",
    "equivalent",
    "noBetter",
    "mcnemar",
    "pairedEquivalent",
    "oneSeedPair",
    "trend",
    "largest",
    "bound",
    "signTest",
    "stall",
    "earlier",
    "analytic",
    "nearTarget",
  ];
  assert.deepEqual(Object.keys(cases).sort(), [...kinds].sort(), "a case table for every claim kind");
  for (const [kind, list] of Object.entries(cases)) {
    for (const [want, side, make] of list) {
      const c = make();
      assert.equal(c.kind, kind);
      assert.equal(c.verdict, want, `${kind} (${side}) should give ${want}: ${c.evidence} (${c.rule})`);
      assert.ok(c.rule.length > 20 && c.evidence.length > 5, `${kind}: rule and evidence are written`);
    }
    const reached = new Set(list.map(([want]) => want));
    for (const want of ["reproduced", "not reproduced", "inconclusive"] as const) {
      assert.ok(reached.has(want), `${kind} reaches ${want}`);
    }
    if (TWO_SIDED.includes(kind)) {
      for (const want of ["not reproduced", "inconclusive"] as const) {
        for (const side of ["below", "above"] as const) {
          assert.ok(list.some(([w, s]) => w === want && s === side), `${kind}: ${want} from ${side}`);
        }
      }
    } else if (!list.every(([, s]) => s === "-")) {
      // One-sided kinds: measurements on both sides of the claim's line are tried.
      assert.ok(new Set(list.map(([, s]) => s)).size >= 2, `${kind}: both sides tried`);
    }
  }
});

Deno.test("claims: a claim judged outside its regime is an early-training proxy, tallied apart", () => {
  const one = cases.better[0][2]();
  const byRegime = (regime: claims.ClaimRegime) => ({ ...one, regime });
  const stages: claims.RunStage[] = ["untrained", "early", "converged"];
  const inRegime = (regime: claims.ClaimRegime) =>
    stages.map((stage) => claims.judgeRegime([byRegime(regime)], stage)[0].judged!.inRegime);
  assert.deepEqual(inRegime("init"), [true, true, true]);
  assert.deepEqual(inRegime("onset"), [false, true, true]);
  assert.deepEqual(inRegime("converged"), [false, false, true]);
  // Every outcome of every kind, met and not met.
  for (const list of Object.values(cases)) {
    for (const [want, , make] of list) {
      const c = { ...make(), regime: "converged" as const };
      const early = claims.judgeRegime([c], "early");
      const done = claims.judgeRegime([c], "converged");
      assert.equal(claims.tally(early).proxy[want], 1);
      assert.equal(claims.tally(early)[c.category][want], 0, "a proxy is never counted in regime");
      assert.equal(claims.tally(done)[c.category][want], 1);
      assert.equal(claims.tally(done).proxy[want], 0);
      assert.match(claims.verdictLabel(early[0]), /early-training proxy/);
      assert.equal(claims.verdictLabel(done[0]), want);
    }
  }
});

Deno.test("claims: a stored claim holds its declaration and outcome, not its inputs", () => {
  const c = claims.oneSeedPair({
    ...base("big"),
    ...discordant(10000, 1500, 500),
    test: "better",
    metric: "top-1",
    seedNoise: noise(0.01),
  });
  assert.deepEqual(Object.keys(c).sort(), [
    "category",
    "evidence",
    "id",
    "kind",
    "paper",
    "regime",
    "rule",
    "text",
    "verdict",
  ]);
  assert.ok(JSON.stringify(c).length < 2000);
});

Deno.test("claims: one-seed comparisons carry seed noise; without it they are not testable", () => {
  const pair = discordant(10000, 1200, 1000); // 2 points apart on 10,000 images
  const testOnly = claims.oneSeedPair({
    ...base("o"),
    ...pair,
    test: "better",
    metric: "top-1",
    seedNoise: noise(0),
  });
  assert.equal(testOnly.verdict, "reproduced", "test-image noise alone resolves 2 points");
  const seeded = claims.oneSeedPair({
    ...base("o"),
    ...pair,
    test: "better",
    metric: "top-1",
    seedNoise: noise(0.015),
  });
  assert.equal(seeded.verdict, "inconclusive", "1.5 points of seed noise per net does not");
  assert.match(seeded.evidence, /underpowered at one seed a net \(about \d+ seeds a net would resolve/);
  const none = claims.oneSeedPair({
    ...base("o"),
    ...pair,
    test: "better",
    metric: "top-1",
    seedNoise: null,
  });
  assert.equal(none.verdict, "not testable");
  const pooled = claims.pooledSeedNoise([[0.30, 0.32, 0.34], [0.40, 0.40, 0.40], [0.5]], "x")!;
  assert.equal(pooled.df, 4);
  assert.ok(Math.abs(pooled.sd - Math.sqrt(0.0008 / 4)) < 1e-12, String(pooled.sd));
  assert.equal(claims.pooledSeedNoise([[0.3], [0.4]], "x"), null);
});

Deno.test("claims: exact counts that differ make an analytic claim 'not reproduced'", () => {
  const c = claims.analytic({
    ...base("x"),
    value: 1,
    target: 1,
    tolerance: 0.01,
    exact: [{ what: "depth", ours: 21, paper: 22 }],
  });
  assert.equal(c.verdict, "not reproduced");
  assert.match(c.evidence, /depth 21 against 22 \(mismatch\)/);
});

Deno.test("claims: a failed precondition makes an empirical claim 'not testable', with the reason", () => {
  const c = claims.better({
    ...base("p"),
    a: s("A", [0.3, 0.31, 0.32]),
    b: s("B", [0.35, 0.36, 0.37]),
    preconditions: [unmet],
  });
  assert.equal(c.verdict, "not testable");
  assert.match(c.notTestable!, /the slopes moved: 0.001/);
  assert.match(c.rule, /^Needs: the slopes moved/);
  const ok = claims.better({
    ...base("p"),
    a: s("A", [0.3, 0.31, 0.32]),
    b: s("B", [0.35, 0.36, 0.37]),
    preconditions: [met],
  });
  assert.equal(ok.verdict, "reproduced");
});

Deno.test("slopes moved: met at and above the threshold, unmet below it, each seed's value shown", () => {
  const layers = (shift: number) => ({ conv1: 0.25 + shift, conv2: 0.25 - shift });
  const near = slopeMoved([layers(0.0512), layers(0.0490), layers(0.0495)], "channel-wise");
  assert.equal(near.met, false, "mean 0.0499: just below");
  assert.match(near.measured, /= 0\.0499 \(seeds: 0\.0512, 0\.0490, 0\.0495\)/);
  assert.equal(slopeMoved([layers(0.0512), layers(0.0496), layers(0.0500)], "channel-wise").met, true);
  assert.equal(slopeMoved([layers(0.2)], "channel-shared").measured, "mean |a - 0.25| = 0.200");
});

Deno.test("claims: an equivalence the seeds cannot resolve says 'underpowered' and how many seeds would", () => {
  // Spread like the old default tier's (2.4-5 points): a +-1 point margin can never be met at 3 seeds.
  const c = claims.equivalent({
    ...base("u"),
    a: s("A", [0.70, 0.75, 0.72]),
    b: s("B", [0.73, 0.71, 0.74]),
    margin: 0.01,
  });
  assert.equal(c.verdict, "inconclusive");
  assert.match(c.evidence, /underpowered/);
  assert.match(c.evidence, /about \d+ seeds would resolve it/);
  const iv = pairedDifference([0.70, 0.75, 0.72], [0.73, 0.71, 0.74], 0.95);
  const need = seedsNeeded(iv.sd, 0.01, 0.95)!;
  assert.ok(need > 3);
  // With that many seeds of this spread, the interval's half-width is under the margin.
  assert.ok(need < 200);
});

Deno.test("claims: a stall claim read the other way ('leaves chance') has its three outcomes too", () => {
  const leaves = (errs: number[]) =>
    claims.stall({
      ...base("lv"),
      curve: curve("He", errs),
      chance: 0.9,
      valImages: 5000,
      expect: "leaves",
      window: 0.3,
    })
      .verdict;
  assert.equal(leaves([0.9, 0.85, 0.7, 0.6]), "reproduced");
  assert.equal(leaves([0.9, 0.901, 0.899, 0.9]), "not reproduced");
  assert.equal(leaves([0.9, 0.88, 0.87, 0.875]), "inconclusive");
  assert.equal(claims.leftChance("He", [{ err: 0.9 }, { err: 0.6 }], 0.9, 5000).met, true);
  assert.equal(claims.leftChance("He", [{ err: 0.9 }, { err: 0.89 }], 0.9, 5000).met, false);
});

Deno.test("claims: one seed never decides a seed-based claim", () => {
  assert.equal(claims.better({ ...base("1"), a: s("A", [0.3]), b: s("B", [0.5]) }).verdict, "inconclusive");
  assert.equal(
    claims.noBetter({ ...base("1"), a: s("A", [0.3]), b: s("B", [0.3]), margin: 0.01 }).verdict,
    "inconclusive",
  );
});

Deno.test("claims: statistics behind the rules", () => {
  // McNemar exact p: 10 vs 0 discordant pairs is p = 2 * 0.5^10.
  assert.ok(Math.abs(mcnemar(10, 0).p - 2 / 1024) < 1e-12);
  assert.equal(mcnemar(5, 5).p, 1);
  assert.equal(spearmanCritical(10), 0.648);
  assert.equal(spearmanCritical(4), Infinity);
  // Welch: equal spreads and sizes give df = 2(n - 1) and the pooled interval, here -1 ± t(8) * 1.
  const w = welchDifference([1, 2, 3, 4, 5], [2, 3, 4, 5, 6]);
  assert.equal(w.df, 8);
  assert.ok(Math.abs(w.mean + 1) < 1e-12 && Math.abs(w.hi - (-1 + 2.306)) < 1e-9, JSON.stringify(w));
  // Unequal spreads: df falls towards the noisier side's n - 1.
  assert.equal(welchDifference([0, 10, 20, 30], [5, 5.1, 5.2, 5.3, 5.4, 5.5]).df, 3);
});

Deno.test("stats: the twin's rule, and how often identical engines pass it, grow with the seeds", () => {
  assert.ok(withinSpreadOrMargin([0.5, 0.7], [0.4, 0.8], 0), "mean 0.6 inside the range [0.4, 0.8]");
  assert.ok(!withinSpreadOrMargin([0.9, 1.1], [0.4, 0.8], 0.3), "mean 1.0: outside the range, 0.4 from 0.6");
  assert.ok(withinSpreadOrMargin([0.9, 1.1], [0.4, 0.8], 0.4), "within the margin of the mean");
  const sds = Array(12).fill(1);
  const rate = (seeds: number, margin: number) => identicalPassRate(sds, seeds, margin, 4000, new Rng(7));
  // A normal mean of 3 outside the range of 3 other draws: about 0.37 a point, so 12 points all pass rarely.
  assert.ok(rate(3, 0) < 0.02, String(rate(3, 0)));
  assert.ok(rate(5, 0) < rate(10, 0) && rate(10, 0) > 0.8, `${rate(5, 0)} ${rate(10, 0)}`);
  assert.equal(rate(3, 10), 1, "a margin of ten sds passes every draw");
  assert.equal(rate(5, 0.5), identicalPassRate(sds, 5, 0.5, 4000, new Rng(7)), "deterministic for a seed");
});

Deno.test("claims: the tally keeps analytic and empirical claims and 'not testable' apart", () => {
  const list = [
    cases.analytic[0][2](),
    cases.better[0][2](),
    cases.better[2][2](),
    claims.better({ ...base("p"), a: s("A", [0.3, 0.31]), b: s("B", [0.35, 0.36]), preconditions: [unmet] }),
  ];
  const t = claims.tally(list);
  assert.equal(t.analytic.reproduced, 1);
  assert.equal(t.empirical.reproduced, 1);
  assert.equal(t.empirical.inconclusive, 1);
  assert.equal(t.empirical["not testable"], 1);
});

Deno.test("claims: with the fault 'claims-always-reproduced' the outcome table fails", () => {
  setFaultForTest("claims-always-reproduced");
  try {
    const c = cases.better[1][2]();
    assert.equal(c.verdict, "reproduced", "the fault makes the rule unable to fail");
    assert.notEqual(c.verdict, "not reproduced", "so the outcome test above would fail");
  } finally {
    setFaultForTest(undefined);
  }
  assert.equal(cases.better[1][2]().verdict, "not reproduced");
});
