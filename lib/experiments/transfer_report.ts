/**
 * transfer's result from what each source net gave on the target: Table 8 beside ours (error, not mAP), the
 * probe and from-scratch rows, the metrics the regression check follows, the regime and the differences.
 */
import { TABLE8 } from "../paper/facts.ts";
import type * as claims from "../results/claims.ts";
import { meanSd, percentMetric, row } from "../results/format.ts";
import type { Comparison, Metric, RunRecord } from "../results/result.ts";
import * as common from "./common.ts";
import { recipeChoiceText } from "./recipe.ts";
import type { Report } from "./runner.ts";
import type { setupTransfer } from "./transfer_target.ts";
import { TARGET_RECIPE } from "../recipes/transfer.ts";

export interface TransferOutcome {
  runs: RunRecord[];
  /** Target test errors by "<rectifier>.<finetuned|scratch|probe>", seeds in order. */
  err: Record<string, number[]>;
  list: claims.Claim[];
}

export function transferReport(
  o: Awaited<ReturnType<typeof setupTransfer>>,
  { runs, err, list }: TransferOutcome,
): Promise<Report> {
  const { tt, source, target, targetName, side, seeds, config } = o;
  const classes = target.train.classes.length;
  const comparison: Comparison[] = [
    row(
      `A+ReLU fine-tuned: VOC07 mAP % (paper) / ${targetName} top-1 error % (ours)`,
      TABLE8["A+ReLU"],
      meanSd(err["relu.finetuned"]),
      "Table 8",
    ),
    row(
      `A+PReLU fine-tuned: VOC07 mAP % (paper) / ${targetName} top-1 error % (ours)`,
      TABLE8["A+PReLU"],
      meanSd(err["prelu-channel.finetuned"]),
      "Table 8",
    ),
    ...["probe", "scratch"].flatMap((how) =>
      ["relu", "prelu-channel"].map((k) =>
        row(`A-${k} ${how}: top-1 error %`, null, meanSd(err[`${k}.${how}`]), "—")
      )
    ),
  ];
  const metrics: Record<string, Metric> = {};
  for (const key of Object.keys(err)) {
    metrics[`top1.${key}`] = percentMetric(err[key], `${key}: top-1 error on ${targetName}`);
  }
  const recipe = config(seeds[0]);
  const schedule = recipe.schedule;
  return Promise.resolve({
    regime: common.regime(runs.map((r) => r), Object.values(err).flat(), 1 - 1 / classes, {
      epochs: 16,
      images: 5011,
      batch: 2,
      err: null,
    }, "Fine-tuning on a small target (the paper's Fast R-CNN: 40k steps of 2 VOC 2007 images):"),
    config: {
      tier: tt,
      recipe,
      probe: "softmax regression on standardized SPP features, 200 full-batch steps",
    },
    runs,
    metrics,
    comparison,
    claims: list,
    differences: [
      `Source: models-abc's A-ReLU and A-PReLU (${source.dataset}, ${source.train.count} images); target: ${target.train.count} ${targetName} training images (replicated to RGB, resized to ${side}x${side}), ${target.test.count} test images: classification, not detection.`,
      `Fine-tuning and training from scratch: ${tt.epochs} epochs at learning rate ${TARGET_RECIPE.lr}${
        schedule.kind === "plateau"
          ? `, divided by ${1 / schedule.factor} at validation plateaus`
          : " throughout"
      }, batch 32 (Fast R-CNN fine-tunes at a tenth of its pre-training rate for tens of thousands of steps). The rate is measured at the default tier (bench/studies/transfer_rate/): at 0.01, the paper's base rate, a ReLU net trained from scratch left chance and then collapsed back to it (its deep ReLUs fell silent), as one did at 0.005; at 0.002 three nets of 12 stayed on the chance plateau past a tenth of the run.`,
      ...recipeChoiceText(recipe),
      "The linear probe and the from-scratch runs are not in the paper: they separate the features' quality from PReLU's own advantage on the target.",
      "Lower error is better here; higher mAP is better in Table 8: compare the sign of the differences.",
    ],
  });
}
