/**
 * The experiments, one script per paper table or figure, in the order `reproduce` runs them: models are shared
 * through the model store, so ensemble and transfer reuse the models of models-abc, and init-depth reads the seed
 * spread small-model measured. cli.ts hands this list to the CLI. Each one's run time at a tier is in that tier's
 * report (results/REPORT.md), measured, not written here.
 */
import type { Experiment } from "../lib/experiments/registry.ts";
import { experiment as initVariance } from "./init_variance.ts";
import { experiment as modelComplexity } from "./model_complexity.ts";
import { experiment as smallModel } from "./small_model.ts";
import { experiment as initDepth } from "./init_depth.ts";
import { experiment as modelsAbc } from "./models_abc.ts";
import { experiment as ensemble } from "./ensemble.ts";
import { experiment as transfer } from "./transfer.ts";
import { experiment as pipelineDemo } from "./pipeline_demo.ts";

export const EXPERIMENTS: Experiment[] = [
  initVariance,
  modelComplexity,
  smallModel,
  initDepth,
  modelsAbc,
  ensemble,
  transfer,
  pipelineDemo,
];
