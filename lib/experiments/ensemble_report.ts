/**
 * ensemble's result from its chosen members: Table 7 and v1 Figs 6-7 beside the paper (members, weights, the
 * ensemble against its best member, classes better and worse than A-ReLU by McNemar per class, per-class errors).
 */
import * as common from "./common.ts";
import * as large from "./large_family.ts";
import { correctness, type Scored } from "./measure.ts";
import type { Report } from "./runner.ts";
import type { ShardTraining } from "./shards.ts";
import type { DataSet } from "../data/dataset.ts";
import type * as claims from "../results/claims.ts";
import { pct, percentMetric, row } from "../results/format.ts";
import { mcnemar } from "../results/stats.ts";
import type { Comparison, Metric } from "../results/result.ts";
import { barChart } from "../results/svg.ts";
import { perClassError } from "../train/evaluate.ts";

/** One candidate member: a model of models-abc with its centre-crop scores on validation and test. */
export interface Member {
  name: string;
  training: ShardTraining;
  val: Scored;
  test: Scored;
}

export interface EnsembleOutcome {
  tier: large.LargeTier;
  data: common.LoadedData<DataSet>;
  members: Member[];
  /** The chosen members, repeats allowed; the first is the best single member on validation. */
  chosen: Member[];
  ensemble: Scored;
  /** A-ReLU, the stand-in for v1 Fig 7's earlier entry. */
  reference: Member;
  weights: { name: string; weight: number }[];
  list: claims.Claim[];
}

export function ensembleReport(o: EnsembleOutcome): Promise<Report> {
  const { tier, data, members, chosen, ensemble, reference, weights, list } = o;
  const classes = data.test.classes.length;
  const best = chosen[0];
  // Per class: the ensemble against A-ReLU, each class decided by its own McNemar test at 5%.
  const ours = perClassError(ensemble.scores, ensemble.labels, classes);
  const mine = correctness(ensemble, classes, 5);
  const theirs = correctness(reference.test, classes, 5);
  const verdicts = data.test.classes.map((_, c) => {
    let b = 0;
    let d = 0;
    ensemble.labels.forEach((l, i) => {
      if (l !== c) return;
      if (mine[i] && !theirs[i]) b++;
      else if (!mine[i] && theirs[i]) d++;
    });
    const t = mcnemar(b, d);
    return t.p < 0.05 ? (b > d ? "better" : "worse") : "same";
  });
  const count = (v: string) => verdicts.filter((x) => x === v).length;
  const order = ours.map((e, c) => ({ e, c })).sort((a, b) => a.e - b.e);
  const comparison: Comparison[] = [
    ...members.map((m) =>
      row(
        `member ${m.name}: centre top-1 / top-5 % (test)`,
        null,
        `${pct(m.test.top1Err)} / ${pct(m.test.top5Err)}`,
        "Tables 5-6",
      )
    ),
    row(
      "ensemble: members and weights (chosen on validation)",
      "6 models, weights not given",
      weights.filter((w) => w.weight > 0).map((w) => `${w.name} ${w.weight.toFixed(2)}`).join(", "),
      "Table 7",
    ),
    row(
      "ensemble: top-1 / top-5 % (test)",
      "— / 4.94 (ImageNet test set)",
      `${pct(ensemble.top1Err)} / ${pct(ensemble.top5Err)}`,
      "Table 7",
    ),
    row(
      "best single model (chosen on validation): top-5 %",
      "5.71 (C-PReLU)",
      `${pct(best.test.top5Err)} (${best.name})`,
      "Table 6",
    ),
    row("human top-5 error (reference point; not testable on a 10-class task)", 5.1, null, "Sec. 4.2"),
    row(
      `classes better / same / worse than ${reference.name} (top-5, McNemar per class)`,
      "824 / 127 / 49 (1000 classes)",
      `${count("better")} / ${count("same")} / ${count("worse")} (${classes} classes)`,
      "v1 Fig 7",
    ),
    row(
      "zero-error classes; worst classes (top-1)",
      "113; letter opener 49%, spotlight 38%, restaurant 36%",
      `${ours.filter((e) => e === 0).length}; ${
        order.slice(-3).reverse().map(({ e, c }) => `${data.test.classes[c]} ${pct(e)}%`).join(", ")
      }`,
      "v1 Fig 6",
    ),
  ];
  const metrics: Record<string, Metric> = {
    "top5.ensemble": percentMetric([ensemble.top5Err], "ensemble top-5 error (test)", 1),
    "top1.ensemble": percentMetric([ensemble.top1Err], "ensemble top-1 error (test)"),
    "top5.bestMember": percentMetric([best.test.top5Err], "best member's top-5 error (test)", 1),
  };
  const plots = [{
    file: "per-class.svg",
    caption: "Per-class top-1 error of the ensemble, sorted (v1 Fig 6)",
    svg: barChart({
      title: "Ensemble: per-class top-1 error, sorted (v1 Fig 6)",
      yLabel: "error",
      categories: order.map(({ c }) => data.test.classes[c]),
      groups: [{ name: "ensemble", values: order.map(({ e }) => e) }],
    }),
  }];
  return Promise.resolve({
    regime: common.regime(
      members.map((m) => ({ ...m.training, label: m.name })),
      members.map((m) => m.test.top1Err),
      1 - 1 / classes,
      { epochs: 80, images: common.IMAGENET_TRAIN, batch: 128, err: null },
      "The ensemble's members are models-abc's nets, in early training (the paper trains about 80 epochs):",
    ),
    config: { weights, selection: "greedy forward selection on validation top-5 error", tier },
    runs: [],
    metrics,
    comparison,
    claims: list,
    differences: [
      ...large.largeDifferences(tier, data).slice(0, 2),
      "Scores are centre crops (on the whole test and validation sets); the paper's ensemble averaged dense " +
      "multi-scale scores, which at this tier are computed on a subset only (models-abc).",
      "Members and weights are chosen on the validation split (greedy forward selection on top-5 error); the paper " +
      "does not say how it chose its six models or their weights (UNCONFIRMED).",
      "The ILSVRC'14 entry of v1 Fig 7 is stood in for by A-ReLU; classes are compared by a McNemar test each.",
      "The 4.94% and the human 5.1% are reference points a 10-class task at this scale cannot test.",
    ],
    plots,
  });
}
