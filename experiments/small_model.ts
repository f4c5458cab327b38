/**
 * small-model: Tables 1-2 and ICCV Figs 1-2 on the 14-layer model (He, Zhang, Ren, Sun, ICCV 2015).
 *
 * The same model, recipe and seeds with ReLU, LReLU (a = 0.25), PReLU channel-shared and PReLU channel-wise:
 * top-1/top-5 error (centre crop on the whole test set; 10-view on a spread subset), the learned slopes of every
 * layer (Table 1), each layer's mean response (Fig 2) and the fc layers' Fisher-information proxy (Eq. 5-6).
 *
 *   deno task exp small-model --tier default
 *   deno task exp small-model --tier paper --data /data/imagenet   # the paper's model and recipe (a GPU)
 */
import * as common from "../lib/experiments/common.ts";
import * as small from "../lib/experiments/small_family.ts";
import { defineExperiment } from "../lib/experiments/runner.ts";
import {
  measureSmallNet,
  smallMeasureSetup,
  type SmallNetMeasurements,
} from "../lib/experiments/small_measure.ts";
import { gatherSmall, logFisher, smallReport } from "../lib/experiments/small_report.ts";
import { slopeClaims, slopeMoved } from "../lib/experiments/slopes.ts";
import type { InitScheme } from "../lib/init.ts";
import type { ActivationKind } from "../lib/nn.ts";
import * as claims from "../lib/results/claims.ts";
import { pct } from "../lib/results/format.ts";

/** He's forward form for every rectifier (whether the paper used the PReLU variant is UNCONFIRMED). */
const INIT: InitScheme = { kind: "he-forward" };

interface Net {
  variant: ActivationKind;
  seed: number;
}

export const experiment = defineExperiment({
  id: "small-model",
  title: "ReLU vs LReLU vs PReLU on the 14-layer model: errors, learned slopes, mean responses",
  paperRef: "Tables 1-2, ICCV Fig 1-2",
  tiers: ["smoke", "default", "long", "gpu", "paper"],
  /** One net per rectifier and seed. */
  grid: (ctx): Net[] => {
    const seeds = ctx.seeds ?? small.SMALL_TIERS[ctx.tier].seeds;
    return small.TABLE2.flatMap((v) => seeds.map((seed) => ({ variant: v.kind, seed })));
  },
  setup: async (ctx) => {
    const tier = small.smallTier(ctx, "small-model");
    const data = await common.loadTierData(ctx, tier);
    const measure = await smallMeasureSetup(data, tier);
    return { tier, data, seeds: ctx.seeds ?? tier.seeds, measure };
  },
  net: (ctx, { tier, data, seeds, measure }, { variant: kind, seed }) => {
    const spec = small.smallSpec(tier, data, kind, INIT);
    const config = small.smallConfig(tier, data, seed);
    return {
      request: { label: small.smallLabel(spec, INIT, data, config), spec, config, data },
      measure: async (model): Promise<SmallNetMeasurements> => {
        // conv1's filters are pictured for the first seed's channel-wise net.
        const measured = await measureSmallNet(
          ctx,
          model,
          measure,
          kind === "prelu-channel" && seed === seeds[0],
        );
        const label = small.TABLE2.find((v) => v.kind === kind)!.label;
        ctx.log(
          `   ${label}, seed ${seed}: centre top-1 ${
            pct(measured.centre.top1Err)
          }% on ${measured.centre.count}`,
        );
        return measured;
      },
    };
  },
  report: (ctx, { tier, data, seeds }, nets) => {
    const gathered = gatherSmall(nets);
    const { m } = gathered;
    const err = (k: ActivationKind) => ({
      label: small.TABLE2.find((v) => v.kind === k)!.label,
      values: m[k].centre,
    });
    // Claims about what learned slopes do are judged on the channel-wise variant's own slopes.
    const moved = slopeMoved(m["prelu-channel"].slopes, "channel-wise");
    const list: claims.Claim[] = [
      claims.better({
        id: "prelu-beats-relu-channel",
        text: "PReLU (channel-wise) has lower error than ReLU",
        paper: "Table 2: 32.64 vs 33.82 top-1 (1.2 points better)",
        regime: "converged",
        a: err("prelu-channel"),
        b: err("relu"),
      }),
      claims.better({
        id: "prelu-beats-relu-shared",
        text: "PReLU (channel-shared) has lower error than ReLU",
        paper: "Table 2: 32.71 vs 33.82 top-1 (1.1 points better)",
        regime: "converged",
        a: err("prelu-shared"),
        b: err("relu"),
      }),
      claims.equivalent({
        id: "channel-wise-about-shared",
        text: "Channel-wise and channel-shared PReLU are about equal",
        paper: "Table 2: 32.64 vs 32.71 top-1",
        regime: "converged",
        a: err("prelu-shared"),
        b: err("prelu-channel"),
        margin: 0.01,
      }),
      claims.noBetter({
        id: "lrelu-no-better",
        text: "LReLU with a fixed a = 0.25 is no better than ReLU",
        paper: "Table 2 (ICCV): 33.80 vs 33.82 top-1",
        regime: "converged",
        a: err("lrelu"),
        b: err("relu"),
        margin: 0.01,
      }),
      ...slopeClaims(m["prelu-shared"].slopes, m["prelu-channel"].slopes, m["prelu-channel"].allSlopes),
      claims.signTest({
        id: "prelu-smaller-mean-response",
        text: "PReLU has smaller mean responses than ReLU",
        paper: "ICCV Fig 2: lower at 10 of 13 layers",
        regime: "converged",
        aLabel: "PReLU (channel-wise)",
        bLabel: "ReLU",
        items: Object.keys(m.relu.responses[0].mean).map((layer) => ({
          label: layer,
          a: m["prelu-channel"].responses.map((r) => r.mean[layer]),
          b: m.relu.responses.map((r) => r.mean[layer]),
        })),
        preconditions: [moved],
      }),
      claims.better({
        id: "fisher-off-diagonal",
        text: "PReLU keeps the fc layers' off-diagonal Fisher blocks closer to zero",
        paper: "ICCV Eq. 5-6: the blocks are about E[f_j]E[f_j'], closer to 0 when E[f] is",
        regime: "converged",
        a: { label: "PReLU", values: m["prelu-channel"].responses.map(logFisher) },
        b: { label: "ReLU", values: m.relu.responses.map(logFisher) },
        scale: 1,
        unit: "(log of the fc1/fc2 mean |E[f_j]E[f_j']|)",
        preconditions: [moved],
      }),
    ];
    return smallReport(ctx, { ...gathered, init: INIT, data, tier, seeds, list });
  },
});
