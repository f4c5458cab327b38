/**
 * Claim rules whose noise is the test images: paired per-image outcomes (McNemar, equivalence of error
 * rates), and two single-seed nets with the seed noise of sibling variants added.
 */
import { bandVerdict, type Base, type Claim, finish, type Precondition, pts } from "../claim_core.ts";
import { mcnemar as mcnemarTest, meanStd, tQuantile } from "../stats.ts";

export interface McNemarClaim extends Base {
  /** The claim: `a` is right on more test images than `b`; per-image correctness, same images in order. */
  a: { label: string; correct: boolean[] };
  b: { label: string; correct: boolean[] };
  /** What "right" means, e.g. "top-5". */
  metric: string;
  preconditions?: Precondition[];
}

/** Images where only A is right and where only B is, of `n` paired outcomes (the same images in order). */
function discordant(id: string, a: boolean[], b: boolean[]): { n: number; onlyA: number; onlyB: number } {
  if (a.length !== b.length || a.length === 0) {
    throw new Error(`${id}: paired outcomes need the same images (${a.length} vs ${b.length})`);
  }
  let onlyA = 0;
  let onlyB = 0;
  a.forEach((r, i) => {
    if (r && !b[i]) onlyA++;
    else if (!r && b[i]) onlyB++;
  });
  return { n: a.length, onlyA, onlyB };
}

/** "A beats B image by image": exact McNemar test at 5% over the images where exactly one of them is right. */
export function mcnemar(c: McNemarClaim): Claim {
  const { onlyA, onlyB } = discordant(c.id, c.a.correct, c.b.correct);
  const t = mcnemarTest(onlyA, onlyB);
  const verdict = t.p < 0.05 ? (onlyA > onlyB ? "reproduced" : "not reproduced") : "inconclusive";
  return finish(
    c,
    "mcnemar",
    "empirical",
    verdict,
    `Exact McNemar test over ${c.a.correct.length} test images (${c.metric}): significant at 5% in favour of ` +
      `${c.a.label} reproduced, significant the other way not reproduced, else inconclusive`,
    `${c.metric} right for ${c.a.label} only: ${onlyA} images, for ${c.b.label} only: ${onlyB}; p = ${
      t.p.toPrecision(2)
    }`,
    c.preconditions,
  );
}

export interface PairedEquivalentClaim extends Base {
  a: { label: string; correct: boolean[] };
  b: { label: string; correct: boolean[] };
  /** The claim: the error rates differ by less than this (a fraction). */
  margin: number;
  metric: string;
  preconditions?: Precondition[];
}

/**
 * "A and B are about equal, image by image": the 90% interval of the difference in error rates on the same
 * images (paired proportions: variance from the discordant pairs) against +-margin, as TOST does. The noise is
 * the test set's sampling only, not the seeds'.
 */
export function pairedEquivalent(c: PairedEquivalentClaim): Claim {
  const { n, onlyA, onlyB } = discordant(c.id, c.a.correct, c.b.correct);
  // error(A) - error(B) = (onlyB - onlyA) / n
  const d = (onlyB - onlyA) / n;
  const se = Math.sqrt(Math.max(onlyA + onlyB - ((onlyA - onlyB) ** 2) / n, 0)) / n;
  const lo = d - 1.645 * se;
  const hi = d + 1.645 * se;
  const m = c.margin;
  const verdict = bandVerdict(lo, hi, m);
  const power = verdict === "inconclusive" && 1.645 * se >= m
    ? "; underpowered: the interval is wider than the margin"
    : "";
  return finish(
    c,
    "pairedEquivalent",
    "empirical",
    verdict,
    `Equivalence on ${n} test images (${c.metric}): the 90% interval of error(${c.a.label}) - error(${c.b.label}) ` +
      `from paired outcomes against a margin of ${
        pts(m, 100)
      } points: inside reproduced, entirely outside not ` +
      `reproduced, else inconclusive; the noise is the test sample's only (one seed each)`,
    `difference ${pts(d, 100)} [${pts(lo, 100)}, ${pts(hi, 100)}] points${power}`,
    c.preconditions,
  );
}

/** A seed-to-seed standard deviation measured on variants trained at several seeds, lent to single-seed nets. */
export interface SeedNoise {
  sd: number;
  /** Degrees of freedom of the estimate (seeds minus one, summed over the variants pooled). */
  df: number;
  /** Where it was measured. */
  from: string;
}

/** The pooled within-variant standard deviation of several variants' per-seed values. */
export function pooledSeedNoise(groups: number[][], from: string): SeedNoise | null {
  const used = groups.filter((g) => g.length > 1);
  const df = used.reduce((a, g) => a + g.length - 1, 0);
  if (!df) return null;
  const ss = used.reduce((a, g) => {
    const m = meanStd(g).mean;
    return a + g.reduce((b, x) => b + (x - m) ** 2, 0);
  }, 0);
  return { sd: Math.sqrt(ss / df), df, from };
}

export interface OneSeedPairClaim extends Base {
  /** Per-image correctness of the two nets, one seed each, on the same images in order. */
  a: { label: string; correct: boolean[] };
  b: { label: string; correct: boolean[] };
  /** "better": a has lower error than b; "equivalent": their errors differ by less than `margin`. */
  test: "better" | "equivalent";
  margin?: number;
  metric: string;
  /** The seed noise each single-seed net carries; null (not measured) makes the claim not testable. */
  seedNoise: SeedNoise | null;
  preconditions?: Precondition[];
}

/**
 * Two nets at one seed each: the difference of their error rates on the same images, with its variance the
 * test sample's (paired proportions) plus twice the seed variance measured on sibling variants (each net is one
 * draw of its seed), on Satterthwaite's degrees of freedom. "better": the 95% interval of error(b) - error(a)
 * above 0 reproduced, below 0 not reproduced; "equivalent": the 90% interval of error(a) - error(b) inside
 * +-margin reproduced, entirely outside not reproduced; else inconclusive, with the seeds per net that would
 * resolve it.
 */
export function oneSeedPair(c: OneSeedPairClaim): Claim {
  const { n, onlyA, onlyB } = discordant(c.id, c.a.correct, c.b.correct);
  const d = (onlyB - onlyA) / n; // error(a) - error(b)
  const testVar = Math.max(onlyA + onlyB - ((onlyA - onlyB) ** 2) / n, 0) / (n * n);
  const noise = c.seedNoise;
  const seedVar = noise ? 2 * noise.sd ** 2 : 0;
  const variance = (k: number) => testVar + seedVar / k;
  const dfAt = (k: number) =>
    seedVar > 0 && noise ? Math.floor(variance(k) ** 2 / ((seedVar / k) ** 2 / noise.df)) : Infinity;
  const equivalence = c.test === "equivalent";
  const level = equivalence ? 0.95 : 0.975;
  const half = (k: number) => tQuantile(Math.max(1, dfAt(k)), level) * Math.sqrt(variance(k));
  const h = half(1);
  const m = c.margin ?? 0;
  // Signed so that positive supports the claim for "better" (b's error above a's).
  const shown = equivalence ? d : -d;
  const lo = shown - h;
  const hi = shown + h;
  const verdict = equivalence
    ? bandVerdict(lo, hi, m)
    : lo > 0
    ? "reproduced"
    : hi < 0
    ? "not reproduced"
    : "inconclusive";
  let power = "";
  if (verdict === "inconclusive") {
    const target = equivalence ? m : Math.abs(d);
    let k = 2;
    while (k <= 50 && !(half(k) < target)) k++;
    power = `; underpowered at one seed a net` +
      (k <= 50 && target > 0
        ? ` (about ${k} seeds a net would resolve ${equivalence ? "the margin" : "a difference this size"})`
        : "");
  }
  const diffLabel = equivalence
    ? `error(${c.a.label}) - error(${c.b.label})`
    : `error(${c.b.label}) - error(${c.a.label})`;
  const seedText = noise
    ? `seed sd ${pts(noise.sd, 100)} points from ${noise.from} (${noise.df} df)`
    : "no seed noise measured";
  return finish(
    c,
    "oneSeedPair",
    "empirical",
    verdict,
    `One seed a net, ${n} test images (${c.metric}): the ${
      equivalence ? "90" : "95"
    }% interval of ${diffLabel}, ` +
      `its variance the test sample's (paired outcomes) plus twice the seed variance of sibling variants; ` +
      (equivalence
        ? `inside +-${pts(m, 100)} points reproduced, entirely outside not reproduced, else inconclusive`
        : "above 0 reproduced, below 0 not reproduced, else inconclusive"),
    `${diffLabel} = ${pts(shown, 100)} [${pts(lo, 100)}, ${pts(hi, 100)}] points; ${seedText}${power}`,
    [
      ...(c.preconditions ?? []),
      {
        met: noise !== null,
        what: "a seed-to-seed spread measured on sibling variants trained at several seeds",
        measured: noise ? `sd ${pts(noise.sd, 100)} points, ${noise.df} df` : "none available",
      },
    ],
  );
}
