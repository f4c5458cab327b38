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
import {
  identicalPassRate,
  mcnemar,
  pairedDifference,
  seedsNeeded,
  spearmanCritical,
  welchDifference,
  withinSpreadOrMargin,
} from "../lib/results/stats.ts";

const base = (id: string) => ({ id, text: `claim ${id}`, paper: "Table 0" });
const s = (label: string, values: number[]) => ({ label, values });
const unmet = { met: false, what: "the slopes moved", measured: "0.001" };
const met = { met: true, what: "the slopes moved", measured: "0.2" };
const curve = (label: string, errs: number[]) => ({
  label,
  points: errs.map((err, i) => ({ epoch: i * 0.1, err })),
});
const correct = (pattern: string) => [...pattern].map((ch) => ch === "1");

/** For each kind: inputs that give each outcome, at 3 seeds (the default tier's count). */
const cases: Record<string, Record<Exclude<Verdict, "not testable">, () => Claim>> = {
  better: {
    "reproduced": () =>
      claims.better({ ...base("b"), a: s("A", [0.30, 0.31, 0.32]), b: s("B", [0.35, 0.36, 0.37]) }),
    "not reproduced": () =>
      claims.better({ ...base("b"), a: s("A", [0.40, 0.41, 0.42]), b: s("B", [0.35, 0.36, 0.37]) }),
    "inconclusive": () =>
      claims.better({ ...base("b"), a: s("A", [0.30, 0.40, 0.35]), b: s("B", [0.35, 0.34, 0.36]) }),
  },
  equivalent: {
    "reproduced": () =>
      claims.equivalent({
        ...base("e"),
        a: s("A", [0.300, 0.310, 0.320]),
        b: s("B", [0.302, 0.311, 0.319]),
        margin: 0.01,
      }),
    "not reproduced": () =>
      claims.equivalent({
        ...base("e"),
        a: s("A", [0.30, 0.31, 0.32]),
        b: s("B", [0.35, 0.36, 0.37]),
        margin: 0.01,
      }),
    "inconclusive": () =>
      claims.equivalent({
        ...base("e"),
        a: s("A", [0.30, 0.33, 0.31]),
        b: s("B", [0.31, 0.31, 0.31]),
        margin: 0.01,
      }),
  },
  noBetter: {
    "reproduced": () =>
      claims.noBetter({
        ...base("n"),
        a: s("A", [0.350, 0.360, 0.370]),
        b: s("B", [0.351, 0.361, 0.369]),
        margin: 0.01,
      }),
    "not reproduced": () =>
      claims.noBetter({
        ...base("n"),
        a: s("A", [0.30, 0.31, 0.32]),
        b: s("B", [0.35, 0.36, 0.37]),
        margin: 0.01,
      }),
    "inconclusive": () =>
      claims.noBetter({
        ...base("n"),
        a: s("A", [0.30, 0.36, 0.33]),
        b: s("B", [0.35, 0.35, 0.35]),
        margin: 0.01,
      }),
  },
  mcnemar: {
    "reproduced": () =>
      claims.mcnemar({
        ...base("m"),
        a: { label: "A", correct: correct("1".repeat(30) + "0".repeat(10)) },
        b: { label: "B", correct: correct("0".repeat(30) + "1".repeat(10)) },
        metric: "top-1",
      }),
    "not reproduced": () =>
      claims.mcnemar({
        ...base("m"),
        a: { label: "A", correct: correct("0".repeat(30) + "1".repeat(10)) },
        b: { label: "B", correct: correct("1".repeat(30) + "0".repeat(10)) },
        metric: "top-1",
      }),
    "inconclusive": () =>
      claims.mcnemar({
        ...base("m"),
        a: { label: "A", correct: correct("1".repeat(11) + "0".repeat(10)) },
        b: { label: "B", correct: correct("0".repeat(11) + "1".repeat(10)) },
        metric: "top-1",
      }),
  },
  pairedEquivalent: {
    "reproduced": () =>
      claims.pairedEquivalent({
        ...base("pe"),
        a: { label: "A", correct: correct("1".repeat(5000) + "01".repeat(500)) },
        b: { label: "B", correct: correct("1".repeat(5000) + "10".repeat(500)) },
        margin: 0.01,
        metric: "top-1",
      }),
    "not reproduced": () =>
      claims.pairedEquivalent({
        ...base("pe"),
        a: { label: "A", correct: correct("1".repeat(5000) + "0".repeat(1000)) },
        b: { label: "B", correct: correct("1".repeat(5000) + "1".repeat(1000)) },
        margin: 0.01,
        metric: "top-1",
      }),
    "inconclusive": () =>
      claims.pairedEquivalent({
        ...base("pe"),
        a: { label: "A", correct: correct("1".repeat(50) + "01".repeat(20)) },
        b: { label: "B", correct: correct("1".repeat(50) + "10".repeat(20)) },
        margin: 0.01,
        metric: "top-1",
      }),
  },
  trend: {
    "reproduced": () =>
      claims.trend({
        ...base("t"),
        items: "abcdefghij".split(""),
        values: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        direction: "decreasing",
      }),
    "not reproduced": () =>
      claims.trend({
        ...base("t"),
        items: "abcdefghij".split(""),
        values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        direction: "decreasing",
      }),
    "inconclusive": () =>
      claims.trend({
        ...base("t"),
        items: "abcdefghij".split(""),
        values: [5, 1, 9, 3, 7, 2, 8, 4, 10, 6],
        direction: "decreasing",
      }),
  },
  largest: {
    "reproduced": () =>
      claims.largest({
        ...base("l"),
        item: "x",
        series: [s("x", [0.6, 0.62, 0.61]), s("y", [0.3, 0.31, 0.29]), s("z", [0.2, 0.21, 0.2])],
      }),
    "not reproduced": () =>
      claims.largest({
        ...base("l"),
        item: "x",
        series: [s("x", [0.3, 0.31, 0.29]), s("y", [0.6, 0.62, 0.61]), s("z", [0.2, 0.21, 0.2])],
      }),
    "inconclusive": () =>
      claims.largest({
        ...base("l"),
        item: "x",
        series: [s("x", [0.6, 0.3, 0.5]), s("y", [0.45, 0.46, 0.44]), s("z", [0.2, 0.21, 0.2])],
      }),
  },
  bound: {
    "reproduced": () =>
      claims.bound({ ...base("o"), values: s("share", [0.01, 0.012, 0.011]), bound: 0.05, side: "below" }),
    "not reproduced": () =>
      claims.bound({ ...base("o"), values: s("share", [0.2, 0.21, 0.22]), bound: 0.05, side: "below" }),
    "inconclusive": () =>
      claims.bound({ ...base("o"), values: s("share", [0.01, 0.09, 0.05]), bound: 0.05, side: "below" }),
  },
  signTest: {
    "reproduced": () =>
      claims.signTest({
        ...base("g"),
        aLabel: "A",
        bLabel: "B",
        items: Array.from(
          { length: 8 },
          (_, i) => ({ label: `l${i}`, a: [1, 1.1, 1.05], b: [2, 2.1, 2.05] }),
        ),
      }),
    "not reproduced": () =>
      claims.signTest({
        ...base("g"),
        aLabel: "A",
        bLabel: "B",
        items: Array.from(
          { length: 8 },
          (_, i) => ({ label: `l${i}`, a: [2, 2.1, 2.05], b: [1, 1.1, 1.05] }),
        ),
      }),
    "inconclusive": () =>
      claims.signTest({
        ...base("g"),
        aLabel: "A",
        bLabel: "B",
        items: Array.from({ length: 8 }, (_, i) => ({ label: `l${i}`, a: [1, 2, 1.5], b: [1.4, 1.6, 1.5] })),
      }),
  },
  stall: {
    "reproduced": () =>
      claims.stall({
        ...base("st"),
        curve: curve("X", [0.9, 0.901, 0.899, 0.9]),
        chance: 0.9,
        valImages: 5000,
      }),
    "not reproduced": () =>
      claims.stall({ ...base("st"), curve: curve("X", [0.9, 0.85, 0.7, 0.6]), chance: 0.9, valImages: 5000 }),
    "inconclusive": () =>
      claims.stall({
        ...base("st"),
        curve: curve("X", [0.9, 0.88, 0.87, 0.875]),
        chance: 0.9,
        valImages: 5000,
      }),
  },
  earlier: {
    "reproduced": () =>
      claims.earlier({
        ...base("ea"),
        a: curve("He", [0.9, 0.85, 0.8, 0.7]),
        b: curve("Xavier", [0.9, 0.9, 0.9, 0.9]),
        threshold: 0.88,
        interval: 0.1,
      }),
    "not reproduced": () =>
      claims.earlier({
        ...base("ea"),
        a: curve("He", [0.9, 0.9, 0.9, 0.9]),
        b: curve("Xavier", [0.9, 0.85, 0.8, 0.7]),
        threshold: 0.88,
        interval: 0.1,
      }),
    "inconclusive": () =>
      claims.earlier({
        ...base("ea"),
        a: curve("He", [0.9, 0.85, 0.8, 0.7]),
        b: curve("Xavier", [0.9, 0.86, 0.8, 0.7]),
        threshold: 0.88,
        interval: 0.1,
      }),
  },
  analytic: {
    "reproduced": () =>
      claims.analytic({ ...base("an"), value: 1.001, target: 1, tolerance: 0.005, outer: 0.02 }),
    "not reproduced": () =>
      claims.analytic({ ...base("an"), value: 1.05, target: 1, tolerance: 0.005, outer: 0.02 }),
    "inconclusive": () =>
      claims.analytic({ ...base("an"), value: 1.009, target: 1, tolerance: 0.005, outer: 0.02 }),
  },
};

Deno.test("claims: every kind reaches reproduced, not reproduced and inconclusive", () => {
  const kinds: claims.ClaimKind[] = [
    "better",
    "equivalent",
    "noBetter",
    "mcnemar",
    "pairedEquivalent",
    "trend",
    "largest",
    "bound",
    "signTest",
    "stall",
    "earlier",
    "analytic",
  ];
  assert.deepEqual(Object.keys(cases).sort(), [...kinds].sort(), "a case table for every claim kind");
  for (const [kind, outcomes] of Object.entries(cases)) {
    for (const [want, make] of Object.entries(outcomes)) {
      const c = make();
      assert.equal(c.kind, kind);
      assert.equal(c.verdict, want, `${kind} should give ${want}: ${c.evidence} (${c.rule})`);
      assert.ok(c.rule.length > 20 && c.evidence.length > 5, `${kind}: rule and evidence are written`);
    }
  }
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
    claims.stall({ ...base("lv"), curve: curve("He", errs), chance: 0.9, valImages: 5000, expect: "leaves" })
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
    cases.analytic.reproduced(),
    cases.better.reproduced(),
    cases.better.inconclusive(),
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
    const c = cases.better["not reproduced"]();
    assert.equal(c.verdict, "reproduced", "the fault makes the rule unable to fail");
    assert.notEqual(c.verdict, "not reproduced", "so the outcome test above would fail");
  } finally {
    setFaultForTest(undefined);
  }
  assert.equal(cases.better["not reproduced"]().verdict, "not reproduced");
});
