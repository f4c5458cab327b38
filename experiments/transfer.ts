/**
 * transfer: an analog of Table 8 (He, Zhang, Ren, Sun, ICCV 2015: VOC 2007 detection on nets pre-trained on
 * ImageNet). models-abc's A-ReLU and A-PReLU (every seed) move to a small target task, Fashion-MNIST: fine-tuned
 * (every layer, a new classifier), probed (a linear classifier on the frozen features, which isolates the
 * features), and against the same nets trained on the target from scratch, so the fine-tuning gap between ReLU
 * and PReLU can be told apart from PReLU's advantage on the target itself.
 *
 *   deno task exp transfer --tier default     # after models-abc: its nets are the sources
 */
import * as large from "../lib/experiments/large_family.ts";
import { features, fitProbe, probeCorrect } from "../lib/experiments/linear_probe.ts";
import { defineExperiment } from "../lib/experiments/runner.ts";
import {
  onTarget,
  setupTransfer,
  type TargetKind,
  type Transferred,
} from "../lib/experiments/transfer_target.ts";
import { transferReport } from "../lib/experiments/transfer_report.ts";
import * as claims from "../lib/results/claims.ts";
import type { RunRecord } from "../lib/results/result.ts";

export const experiment = defineExperiment({
  id: "transfer",
  title: "Transfer of ReLU and PReLU features to another task (analog of the VOC 2007 detection experiment)",
  paperRef: "Table 8 (analog)",
  tiers: ["smoke", "default", "gpu"],
  // The sources: models-abc's A-ReLU and A-PReLU nets (the model store gives them back).
  grid: (ctx) => large.largeGrid(ctx).filter((e) => e.model === "A"),
  setup: setupTransfer,
  net: (ctx, o, entry) => ({
    request: large.largeRequest(o.lt, o.source, entry),
    measure: async (pretrained): Promise<Transferred> => {
      const kind = entry.activation as TargetKind;
      const finetuned = await onTarget(ctx, o, kind, entry.seed, pretrained);
      const scratch = await onTarget(ctx, o, kind, entry.seed, null);
      // The linear probe: the source net's frozen trunk, a classifier fitted on the target's training split.
      const { target, crop } = o;
      const classes = target.train.classes.length;
      const probe = fitProbe(
        await features(pretrained.net, target.train, target.norm, crop),
        target.train.labels,
        classes,
        200,
      );
      const right = probeCorrect(
        probe,
        await features(pretrained.net, target.test, target.norm, crop),
        target.test.labels,
      );
      const probeErr = 1 - right.filter(Boolean).length / right.length;
      ctx.log(
        `   A-${kind}, seed ${entry.seed}: fine-tuned ${pct(finetuned.err)}%, probe ${
          pct(probeErr)
        }%, scratch ${pct(scratch.err)}%`,
      );
      return { finetuned, scratch, probe: probeErr };
    },
  }),
  // deno-lint-ignore require-await
  report: async (_ctx, o, nets) => {
    const runs: RunRecord[] = [];
    const err: Record<string, number[]> = {};
    const note = (key: string, e: number) => (err[key] ??= []).push(e);
    for (const { cell, measurements: x } of nets) {
      note(`${cell.activation}.finetuned`, x.finetuned.err);
      runs.push(x.finetuned.run);
      note(`${cell.activation}.scratch`, x.scratch.err);
      runs.push(x.scratch.run);
      note(`${cell.activation}.probe`, x.probe);
    }
    const s = (label: string, key: string) => ({ label, values: err[key] });
    const gap = (how: string) => err[`relu.${how}`].map((r, i) => -(r - err[`prelu-channel.${how}`][i]));
    const list: claims.Claim[] = [
      claims.better({
        id: "prelu-transfers-better-finetuned",
        text: "Fine-tuned from the source task, A-PReLU beats A-ReLU on the target",
        paper: "Table 8: VOC07 mAP 68.4 (A+PReLU) vs 67.6 (A+ReLU)",
        regime: "converged",
        a: s("A-PReLU fine-tuned", "prelu-channel.finetuned"),
        b: s("A-ReLU fine-tuned", "relu.finetuned"),
      }),
      claims.better({
        id: "prelu-features-better-probe",
        text: "PReLU's frozen features are better than ReLU's on the target (linear probe)",
        paper: "Table 8's reading: PReLU features transfer better",
        regime: "converged",
        a: s("probe on A-PReLU features", "prelu-channel.probe"),
        b: s("probe on A-ReLU features", "relu.probe"),
      }),
      claims.better({
        id: "finetune-gap-exceeds-scratch-gap",
        text:
          "PReLU's advantage after fine-tuning exceeds its advantage when both nets train on the target from scratch",
        paper: "Table 8 credits the pre-trained features, not PReLU on the target alone",
        regime: "converged",
        a: { label: "-(ReLU - PReLU) fine-tuned", values: gap("finetuned") },
        b: { label: "-(ReLU - PReLU) from scratch", values: gap("scratch") },
      }),
      // Both arms: Table 8's premise is that pre-training helps whatever the rectifier.
      ...(["prelu-channel", "relu"] as const).map((k) => {
        const name = k === "relu" ? "A-ReLU" : "A-PReLU";
        return claims.better({
          id: `pretraining-helps-${k === "relu" ? "relu" : "prelu"}`,
          text: `Pre-training on the source task beats training on the small target from scratch (${name})`,
          paper: "Table 8 (all nets pre-trained; Fast R-CNN's premise)",
          regime: "converged",
          a: s(`${name} fine-tuned`, `${k}.finetuned`),
          b: s(`${name} from scratch`, `${k}.scratch`),
        });
      }),
    ];
    return transferReport(o, { runs, err, list });
  },
});

const pct = (x: number) => (100 * x).toFixed(2);
