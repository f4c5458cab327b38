/**
 * models-abc: Tables 4, 5 and 6 and ICCV Fig 4 (He, Zhang, Ren, Sun, ICCV 2015), scaled. Model A with ReLU and
 * with PReLU (channel-wise) over the tier's seeds, B and C with PReLU, trained with the large models' recipe
 * (lib/experiments/large_family.ts): validation curves of A-ReLU against A-PReLU (Fig 4), centre-crop, 10-view
 * and dense multi-scale testing (Tables 4-6).
 *
 *   deno task exp models-abc --tier default
 */
import * as common from "../lib/experiments/common.ts";
import * as large from "../lib/experiments/large_family.ts";
import { correctness } from "../lib/experiments/measure.ts";
import { defineExperiment } from "../lib/experiments/runner.ts";
import * as claims from "../lib/results/claims.ts";
import { abcReport, bestScaleTestErr, scaleRobust } from "../lib/experiments/abc_report.ts";

export const experiment = defineExperiment({
  id: "models-abc",
  title: "Models A, B, C: ReLU vs PReLU, 10-view and dense multi-scale testing",
  paperRef: "Tables 4-6, ICCV Fig 4",
  tiers: ["smoke", "default", "gpu", "paper"],
  grid: large.largeGrid,
  setup: async (ctx) => {
    const tier = large.largeTier(ctx, "models-abc");
    const data = await common.loadTierData(ctx, tier);
    return { tier, data, seeds: ctx.seeds ?? tier.seeds };
  },
  net: (ctx, { tier, data }, entry) => ({
    request: large.largeRequest(tier, data, entry),
    measure: (model) => large.scoreLarge(ctx, model, tier, data, entry),
  }),
  report: (ctx, { tier, data, seeds }, nets) => {
    const measured: large.LargeMeasured[] = nets.map((n) => ({
      ...n.measurements,
      entry: n.cell,
      training: n.training,
    }));
    const classes = data.train.classes.length;
    const { aRelu, aPrelu, b, c } = large.byRow(measured);
    const { centreErr: centre, multiErr: multi } = large;
    const curve = (x: large.LargeMeasured) =>
      x.training.points.map((p) => ({ epoch: p.epoch, err: p.valTop1Err }));
    const aModels = [...aRelu, ...aPrelu];
    const right = (x: large.LargeMeasured) => ({
      label: large.entryKind(x.entry),
      correct: correctness(x.centre, classes, 1),
    });
    // The seed-to-seed spread of model A's centre error (both rectifiers pooled), which B and C, trained at one
    // seed each, carry too.
    const seedNoise = claims.pooledSeedNoise(
      [aRelu, aPrelu].map((xs) => xs.map(centre)),
      "A-ReLU and A-PReLU's centre top-1 errors",
    );
    const robust = scaleRobust(aModels);
    const list: claims.Claim[] = [
      claims.better({
        id: "a-prelu-beats-relu",
        text: "PReLU (channel-wise) has lower error than ReLU on model A",
        paper: "Table 5: 25.59 vs 26.48 top-1 (10-view); Fig 4: lower val error throughout",
        regime: "converged",
        a: { label: "A-PReLU", values: aPrelu.map(centre) },
        b: { label: "A-ReLU", values: aRelu.map(centre) },
      }),
      claims.better({
        id: "a-prelu-beats-relu-multiscale",
        text: "PReLU improves model A under dense multi-scale testing",
        paper: "Table 4: 22.97 vs 24.02 top-1 (multi-scale)",
        regime: "converged",
        a: { label: "A-PReLU", values: aPrelu.map(multi) },
        b: { label: "A-ReLU", values: aRelu.map(multi) },
      }),
      claims.signTest({
        id: "a-prelu-lower-throughout",
        text: "PReLU has lower validation error than ReLU throughout training (model A)",
        paper: "Fig 4: PReLU below ReLU at every epoch shown",
        regime: "converged",
        aLabel: "A-PReLU",
        bLabel: "A-ReLU",
        items: aPrelu[0].training.points.slice(1).map((p, i) => ({
          label: `epoch ${p.epoch.toFixed(2)}`,
          a: aPrelu.map((x) => curve(x)[i + 1].err),
          b: aRelu.map((x) => curve(x)[i + 1].err),
        })),
      }),
      claims.better({
        id: "multiscale-beats-single",
        text: "Combining three test scales beats the best single scale",
        paper: "Table 4: multi-scale 24.02 / 22.97 vs best single scale 24.77 / 24.20 (A-ReLU / A-PReLU)",
        regime: "converged",
        a: { label: "multi-scale", values: aModels.map(multi) },
        b: { label: "the single scale best on validation", values: aModels.map(bestScaleTestErr) },
        preconditions: [robust],
      }),
      claims.better({
        id: "dense-beats-10view",
        text: "Dense multi-scale testing beats 10-view testing",
        paper: "Tables 5-6: A-ReLU 24.02 vs 26.48, A-PReLU 22.97 vs 25.59 top-1",
        regime: "converged",
        a: { label: "dense multi-scale", values: aModels.map(multi) },
        b: { label: "10-view", values: aModels.map((x) => x.ten.top1Err) },
        preconditions: [robust],
      }),
      claims.oneSeedPair({
        id: "b-about-a",
        text: "The deeper model B is about as good as A (both PReLU)",
        paper: "Table 5: 25.53 vs 25.59; Table 6: 22.85 vs 22.97 top-1",
        regime: "converged",
        a: right(b[0]),
        b: right(aPrelu.find((x) => x.entry.seed === b[0].entry.seed)!),
        test: "equivalent",
        margin: 0.01,
        metric: "centre top-1",
        seedNoise,
      }),
      claims.oneSeedPair({
        id: "c-beats-b",
        text: "The wider model C is better than B",
        paper: "Table 5: 24.27 vs 25.53; Table 6: 21.59 vs 22.85 top-1",
        regime: "converged",
        a: right(c[0]),
        b: right(b[0]),
        test: "better",
        metric: "centre top-1",
        seedNoise,
      }),
    ];
    return abcReport(ctx, { tier, data, seeds, measured, list });
  },
});
