/**
 * Loads every experiment script so that it registers itself (lib/experiments/registry.ts). Each paper table or
 * figure gets one self-contained script in this folder, imported below.
 */
import "./init_variance.ts";
import "./small_model.ts";
import "./pipeline_demo.ts";
