/**
 * ensemble: Table 7 and v1 Figs 6-7 (He, Zhang, Ren, Sun 2015), scaled. The models of models-abc (A-ReLU and
 * A-PReLU for each seed, B-PReLU, C-PReLU) are combined by averaging their softmax scores; the members are chosen
 * on the validation split held out of the training set (greedy forward selection on top-5 error, the paper's
 * metric), as is the best single member it is compared with. Then the ensemble's error per class, sorted, and
 * the per-image comparison with A-ReLU (the analog of v1 Fig 7's comparison with the earlier entry).
 *
 *   deno task exp ensemble --tier default     # after models-abc: it reuses its models and scores
 */
import * as common from "../lib/experiments/common.ts";
import * as large from "../lib/experiments/large_family.ts";
import { averageScores, correctness, type Scored, scoresOn } from "../lib/experiments/measure.ts";
import { defineExperiment } from "../lib/experiments/runner.ts";
import { PIXEL_SCALE } from "../lib/experiments/small_family.ts";
import * as claims from "../lib/results/claims.ts";
import { pct } from "../lib/results/format.ts";
import { ensembleReport, type Member } from "../lib/experiments/ensemble_report.ts";

/**
 * Greedy forward selection on the validation split: start from the best member, then repeatedly add the member
 * (repeats allowed, so weights are multiples of 1/size) that lowers the ensemble's top-5 error most, ties broken
 * by top-1; stop when nothing lowers it.
 */
function select(members: Member[], classes: number): Member[] {
  const score = (r: Scored) => r.top5Err + 1e-3 * r.top1Err;
  const chosen = [members.reduce((a, m) => (score(m.val) < score(a.val) ? m : a))];
  for (let round = 0; round < 3 * members.length; round++) {
    const current = score(averageScores(chosen.map((m) => m.val), classes));
    const next = members
      .map((m) => ({ m, s: score(averageScores([...chosen, m].map((x) => x.val), classes)) }))
      .reduce((a, b) => (b.s < a.s ? b : a));
    if (next.s >= current) break;
    chosen.push(next.m);
  }
  return chosen;
}

export const experiment = defineExperiment({
  id: "ensemble",
  title: "Ensemble of the large models and per-class errors",
  paperRef: "Table 7, v1 Figs 6-7",
  tiers: ["smoke", "default", "gpu"],
  // models-abc's nets (the model store gives them back), scored on validation and test centre crops.
  grid: large.largeGrid,
  setup: async (ctx) => {
    const tier = large.largeTier(ctx, "ensemble");
    const data = await common.loadData(ctx, tier, PIXEL_SCALE);
    return { tier, data, seeds: ctx.seeds ?? tier.seeds };
  },
  net: (ctx, { tier, data }, entry) => {
    const g = large.largeGeometry(data, tier);
    const centre = { kind: "views" as const, views: "center" as const, side: g.side, crop: g.crop };
    return {
      request: large.largeRequest(tier, data, entry),
      measure: async (model) => ({
        val: await scoresOn(ctx, model, data, "val", centre),
        test: await scoresOn(ctx, model, data, "test", centre),
      }),
    };
  },
  // deno-lint-ignore require-await
  report: async (ctx, { tier, data }, nets) => {
    const classes = data.test.classes.length;
    const members: Member[] = nets.map((n) => ({
      name: large.entryName(n.cell),
      training: n.training,
      ...n.measurements,
    }));
    const chosen = select(members, classes);
    const best = chosen[0];
    const ensemble = averageScores(chosen.map((m) => m.test), classes);
    const weights = members.map((m) => ({
      name: m.name,
      weight: chosen.filter((c) => c === m).length / chosen.length,
    }));
    ctx.log(
      `   ensemble of ${new Set(chosen).size} models: top-5 ${pct(ensemble.top5Err)}%, top-1 ${
        pct(ensemble.top1Err)
      }%`,
    );
    const reference = members.find((m) => m.name.startsWith("A-ReLU"))!;
    const right = (label: string, r: Scored, k: 1 | 5) => ({ label, correct: correctness(r, classes, k) });
    const list: claims.Claim[] = [
      claims.mcnemar({
        id: "ensemble-beats-best-member",
        text: "The ensemble has lower top-5 error than its best single model",
        paper: "Table 7: 4.94 (6 models, test set) vs 5.71 (best single, C-PReLU, Table 6)",
        a: right("ensemble", ensemble, 5),
        b: right(`best member on validation (${best.name})`, best.test, 5),
        metric: "top-5",
        regime: "converged",
      }),
      claims.mcnemar({
        id: "ensemble-beats-earlier-model",
        text:
          "Image by image, the ensemble beats the earlier model (A-ReLU standing in for the ILSVRC'14 entry)",
        paper: "v1 Fig 7: 824 classes better, 127 the same, 49 worse (top-5)",
        a: right("ensemble", ensemble, 5),
        b: right(reference.name, reference.test, 5),
        metric: "top-5",
        regime: "converged",
      }),
    ];
    return ensembleReport({ tier, data, members, chosen, ensemble, reference, weights, list });
  },
});
