/**
 * Loads every experiment script so that it registers itself (lib/experiments/registry.ts). Each paper table or
 * figure gets one self-contained script in this folder, imported below in the order `reproduce` runs them:
 * models are shared through the model store, so init-depth reuses small-model's 14-layer nets, and ensemble
 * and transfer reuse the models of models-abc.
 */
import "./init_variance.ts";
import "./model_complexity.ts";
import "./small_model.ts";
import "./init_depth.ts";
import "./models_abc.ts";
import "./ensemble.ts";
import "./transfer.ts";
import "./pipeline_demo.ts";
