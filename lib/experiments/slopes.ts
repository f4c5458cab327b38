/**
 * The learned PReLU coefficients against Table 1: the paper's values, the precondition that makes claims about
 * them testable (the slopes must have moved measurably from their 0.25 start, or any ranking is a ranking of
 * noise), and the claims of section 2.1 and Table 1.
 */
import * as claims from "../results/claims.ts";
import type { Precondition } from "../results/claims.ts";
import { meanStd } from "../results/stats.ts";
import { PRELU_INIT_SLOPE } from "../init.ts";
import { TABLE1 } from "../paper/facts.ts";

export { TABLE1 };

/** How far slopes must move from their start, on average over layers, before claims about them are tested. */
export const SLOPE_MOVE = 0.05;

/** Each seed's mean over layers of |a - 0.25|. */
function seedShifts(perSeed: Record<string, number>[]): number[] {
  return perSeed.map((s) => {
    const xs = Object.values(s);
    return xs.reduce((a, x) => a + Math.abs(x - PRELU_INIT_SLOPE), 0) / xs.length;
  });
}

/**
 * The precondition of a claim about one PReLU variant's slopes (or what they cause): that variant's slopes moved
 * at least SLOPE_MOVE on average, each claim judged on the variant it names.
 */
export function slopeMoved(perSeed: Record<string, number>[], variant: string): Precondition {
  const shifts = seedShifts(perSeed);
  const shift = meanStd(shifts).mean;
  // Each seed's value too: near the threshold a reader must see whether one seed decided it.
  const each = shifts.length > 1 ? ` (seeds: ${shifts.map((x) => x.toPrecision(3)).join(", ")})` : "";
  return {
    met: shift >= SLOPE_MOVE,
    what:
      `the ${variant} slopes moved at least ${SLOPE_MOVE} on average from their ${PRELU_INIT_SLOPE} start`,
    measured: `mean |a - ${PRELU_INIT_SLOPE}| = ${shift.toPrecision(3)}${each}`,
  };
}

/** conv1 largest (both variants), slopes falling with depth (channel-wise), |a| rarely above 1. */
export function slopeClaims(
  shared: Record<string, number>[],
  channel: Record<string, number>[],
  allChannel: number[],
): claims.Claim[] {
  const moved = {
    shared: slopeMoved(shared, "channel-shared"),
    channel: slopeMoved(channel, "channel-wise"),
  };
  const convs = Object.keys(TABLE1).filter((l) => l.startsWith("conv"));
  const series = (perSeed: Record<string, number>[]) =>
    convs.map((l) => ({ label: l, values: perSeed.map((s) => s[l]) }));
  const spread = meanStd(allChannel).std;
  const perSeedOver1 = splitSeeds(allChannel, channel.length).map((xs) =>
    xs.filter((a) => Math.abs(a) > 1).length / Math.max(xs.length, 1)
  );
  return [
    ...([["prelu-shared", shared, "0.681"], ["prelu-channel", channel, "0.596"]] as const).map((
      [kind, s, paper],
    ) =>
      claims.largest({
        id: `conv1-slope-${kind}`,
        text: `conv1's learned coefficient is the largest of the conv layers (${
          kind === "prelu-channel" ? "channel-wise mean" : "shared"
        })`,
        paper: `Table 1: ${paper}, the largest of all layers`,
        regime: "converged",
        series: series(s),
        item: "conv1",
        preconditions: [kind === "prelu-channel" ? moved.channel : moved.shared],
      })
    ),
    claims.trend({
      id: "slopes-fall-with-depth",
      text: "Channel-wise coefficients tend to fall with depth",
      paper: "Table 1 channel-wise: conv1 0.596, conv2x 0.20-0.46, conv3x 0.12-0.20, fc 0.07",
      items: convs,
      values: convs.map((l) => meanStd(channel.map((s) => s[l])).mean),
      direction: "decreasing",
      regime: "converged",
      preconditions: [moved.channel],
    }),
    claims.bound({
      id: "slopes-rarely-over-1",
      text: "Learned |a| rarely exceeds 1",
      paper: "Section 2.1: coefficients are rarely larger than 1",
      regime: "converged",
      values: { label: "share of channel-wise coefficients with |a| > 1", values: perSeedOver1 },
      bound: 0.05,
      side: "below",
      scale: 100,
      unit: "%",
      preconditions: [{
        met: spread >= 0.1,
        what: "the channel-wise coefficients spread out enough for |a| > 1 to be reachable (sd >= 0.1)",
        measured: `sd ${spread.toFixed(3)}`,
      }],
    }),
  ];
}

/** The channel-wise values of each seed, given all seeds' values concatenated in order. */
function splitSeeds(all: number[], seeds: number): number[][] {
  const per = all.length / seeds;
  return Array.from({ length: seeds }, (_, i) => all.slice(i * per, (i + 1) * per));
}
