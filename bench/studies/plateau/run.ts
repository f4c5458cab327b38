/**
 * `deno run -A bench/studies/plateau/run.ts [--out DIR] [--share F] [--recipes 0,3] [--only A,B,14,30] [--render]`: how
 * long the default tier's trained nets sit on the chance plateau, and what shortens it. Each row trains one net
 * of an experiment's default tier with a recipe (the paper's rate and a uniform shuffle, or a variant) for the
 * first share F (default 0.2) of its run, validating at 16 points, and counts the steps until the validation
 * error is 5 points below chance. --recipes picks variants by index (their rows replace those of the same
 * recipes in an existing plateau.json; the others are kept, each row with its commit), --only picks nets,
 * --render only rewrites result.md from plateau.json. Writes both to DIR (default: this folder). All
 * variants on A, B and the 30-layer net at --share 0.12 take about 35 min on 2 cores.
 */
import { firstOffChanceStep, loadDataset } from "../../../lib/experiments/common.ts";
import * as small from "../../../lib/experiments/small_family.ts";
import * as large from "../../../lib/experiments/large_family.ts";
import { HE_SMALL } from "../../../lib/experiments/depth_report.ts";
import type { RunContext } from "../../../lib/experiments/registry.ts";
import { type NetSpec, Network } from "../../../lib/models/network.ts";
import type { InitScheme } from "../../../lib/init.ts";
import type { Scaling } from "../../../lib/models/zoo.ts";
import { Rng } from "../../../lib/rng.ts";
import { train, type TrainConfig } from "../../../lib/train/trainer.ts";
import { WebGpuBackend } from "../../../lib/webgpu/backend.ts";
import { getEngine } from "../../../lib/webgpu/engine.ts";
import { writeFileAtomic, writeJsonAtomic } from "../../../lib/util/fs.ts";
import { environment } from "../../../lib/util/environment.ts";
import { withinTenth } from "../../../lib/results/result.ts";

const arg = (name: string) => Deno.args.includes(name) ? Deno.args[Deno.args.indexOf(name) + 1] : undefined;
const outDir = arg("--out") ?? new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const share = Number(arg("--share") ?? 0.2);
const only = arg("--only")?.split(",");
const renderOnly = Deno.args.includes("--render");
/** Validation images at each point: the bench's own protocol, whatever the tier's. */
const BENCH_VAL = 1000;

const gpu = new WebGpuBackend(await getEngine());
const ctx = { dataDir: null, log: console.log } as unknown as RunContext;
const st = { ...small.SMALL_TIERS.default };
const lt = { ...large.LARGE_TIERS.default };
const data = await loadDataset(ctx, "cifar10", st, small.PIXEL_SCALE);
const chance = 1 - 1 / data.train.classes.length;
const POINTS = 16;

interface Row {
  net: string;
  recipe: string;
  seed: number;
  steps: number;
  points: { step: number; err: number }[];
  /** First validated step at least 5 points below chance; null when none in the measured share. */
  leaves: number | null;
  /** The commit that measured the row (absent: the file's environment's). */
  commit?: string;
}

/** One net for the first `share` of its default run, validated at POINTS evenly spaced steps. */
async function measure(
  net: string,
  recipe: string,
  spec: NetSpec,
  config: TrainConfig,
  fullEpochs: number,
): Promise<Row> {
  const c: TrainConfig = { ...config, epochs: fullEpochs * share, evalPoints: POINTS - 1 };
  const r = await train(new Network(spec, gpu, new Rng(config.seed)), data.train, data.val, c, {
    progress: "none",
    log: () => {},
  });
  const points = r.points.map((p) => ({ step: p.step, err: p.valTop1Err }));
  const fullSteps = Math.round((fullEpochs * data.train.count) / config.batchSize);
  const leaves = firstOffChanceStep(r.points, chance);
  const row = {
    net,
    recipe,
    seed: config.seed,
    steps: fullSteps,
    points,
    leaves,
    commit,
  };
  console.log(
    `${net} ${recipe} seed ${config.seed}: leaves chance at step ${leaves ?? "-"} of ${fullSteps} (${
      leaves === null ? "-" : (leaves / fullSteps).toFixed(3)
    }); errors ${points.map((p) => (100 * p.err).toFixed(1)).join(" ")}`,
  );
  return row;
}

const withRecipe = (
  config: TrainConfig,
  recipe: { lr: number; batch?: number; warmup?: number; balanced?: boolean; logitStd?: number },
): TrainConfig => ({
  ...config,
  // Every variant starts from the paper's uniform shuffle and He's classifier, whatever the tier's own recipe.
  balancedBatches: recipe.balanced ?? false,
  classifierLogitStd: recipe.logitStd,
  evalLimit: BENCH_VAL,
  epochEvalLimit: undefined,
  batchSize: recipe.batch ?? config.batchSize,
  schedule: { ...config.schedule, base: recipe.lr, ...(recipe.warmup ? { warmupSteps: recipe.warmup } : {}) },
});
const outJson = `${outDir}/plateau.json`;
const previous = await Deno.readTextFile(outJson).then(
  (t) => JSON.parse(t) as { environment: { git?: { commit: string } }; share: number; rows: Row[] },
  () => null,
);
if (renderOnly && !previous) throw new Error(`--render: no ${outJson} to render; run the bench first`);
if (previous && previous.share !== share && !renderOnly) {
  throw new Error(
    `${outJson} holds rows measured over the first ${previous.share} of each run, not ${share}: ` +
      `pass --share ${previous.share}, or --out another folder`,
  );
}
const env = await environment(gpu);
const commit = env.git ? env.git.commit + (env.git.dirty ? "+dirty" : "") : undefined;
const rows: Row[] = [];
const want = (net: string) => !only || only.includes(net);
const SEEDS = [1, 2, 3];
const allRecipes: {
  name: string;
  lr: number;
  largeInit?: InitScheme;
  batch?: number;
  head?: Scaling["head"];
  warmup?: number;
  /** Overrides the classifier's (last fc layer's) init with this std. */
  classifierStd?: number;
  /** Multiplies the tier's widths (conv1 and each stage) by this factor. */
  widen?: number;
  balanced?: boolean;
  /** Rescales the classifier at the start so the logits have this spread (lib/train/calibrate.ts). */
  logitStd?: number;
}[] = [
  { name: "lr 0.01 (the paper's)", lr: 0.01 },
  { name: "lr 0.02", lr: 0.02 },
  { name: "lr 0.01, He forward form", lr: 0.01, largeInit: { kind: "he-forward" } },
  { name: "lr 0.01, batch 32", lr: 0.01, batch: 32 },
  { name: "lr 0.01, the paper's classifier std", lr: 0.01, head: "he-hidden" },
  { name: "lr 0.02 after a 20-step warm-up", lr: 0.02, warmup: 20 },
  { name: "lr 0.01, classifier std 0.02", lr: 0.01, classifierStd: 0.02 },
  { name: "lr 0.01, twice the widths", lr: 0.01, widen: 2 },
  { name: "lr 0.01, class-balanced batches", lr: 0.01, balanced: true },
  { name: "lr 0.02, class-balanced batches", lr: 0.02, balanced: true },
  { name: "lr 0.01, class-balanced batches, zero classifier", lr: 0.01, balanced: true, head: "he-zero" },
  { name: "lr 0.02, class-balanced batches, logits at std 0.3", lr: 0.02, balanced: true, logitStd: 0.3 },
];
/** The spec with the recipe's classifier std, if it sets one. */
const classified = (spec: NetSpec, recipe: (typeof recipes)[number]): NetSpec =>
  recipe.classifierStd === undefined ? spec : {
    ...spec,
    fcInit: spec.fcInit.map((init, i, all) =>
      i === all.length - 1 ? { kind: "gaussian", std: recipe.classifierStd! } : init
    ),
  };
/** A tier with the recipe's head init (He's on every fc layer unless it says) and widths. */
const headed = <T extends { scaling: Scaling }>(tier: T, recipe: (typeof recipes)[number]): T => ({
  ...tier,
  scaling: {
    ...tier.scaling,
    head: recipe.head ?? "he",
    ...(recipe.widen ? { widths: tier.scaling.widths.map((w) => w * recipe.widen!) } : {}),
  },
});
const recipeFilter = arg("--recipes")?.split(",").map(Number);
const recipes = allRecipes.filter((_, i) => !recipeFilter || recipeFilter.includes(i));

/** A model of the large family (A or B) with ReLU, trained with the recipe's rate and init. */
const largeRow = (model: "A" | "B", net: string, recipe: (typeof recipes)[number], seed: number) =>
  measure(
    net,
    recipe.name,
    classified(
      large.largeSpec(model, headed(lt, recipe), data, "relu", recipe.largeInit ?? large.LARGE_INIT),
      recipe,
    ),
    withRecipe(large.largeConfig(lt, data, seed), recipe),
    lt.epochs,
  );
for (const recipe of renderOnly ? [] : recipes) {
  if (want("A")) { for (const seed of SEEDS) rows.push(await largeRow("A", "A-ReLU", recipe, seed)); }
  if (want("B")) rows.push(await largeRow("B", "B-ReLU (22 layers)", recipe, 1));
  if (want("14") && !recipe.largeInit) {
    for (const seed of SEEDS) {
      const spec = classified(small.smallSpec(headed(st, recipe), data, "relu", HE_SMALL), recipe);
      rows.push(
        await measure(
          "14-layer ReLU",
          recipe.name,
          spec,
          withRecipe(small.smallConfig(st, data, seed), recipe),
          st.epochs,
        ),
      );
    }
  }
  if (want("30") && !recipe.largeInit) {
    const spec = classified(small.smallSpec(headed(st, recipe), data, "relu", HE_SMALL, 16), recipe);
    rows.push(
      await measure(
        "30-layer ReLU",
        recipe.name,
        spec,
        withRecipe(small.smallConfig(st, data, 1), recipe),
        st.epochs,
      ),
    );
  }
}

// Rows of the recipes not rerun stay, each with the commit that measured it.
const fileCommit = previous?.environment.git?.commit;
const kept = (previous?.rows ?? [])
  .filter((r) => renderOnly || !recipes.some((x) => x.name === r.recipe))
  .map((r) => ({ ...r, commit: r.commit ?? fileCommit }));
rows.unshift(...kept);
rows.sort((a, b) =>
  allRecipes.findIndex((x) => x.name === a.recipe) - allRecipes.findIndex((x) => x.name === b.recipe)
);
const measured = previous?.share ?? share;
await writeJsonAtomic(outJson, {
  environment: renderOnly && previous ? previous.environment : env,
  share: measured,
  chance,
  rows,
});
/** Each commit that measured rows, with its recipes. */
const byCommit = [...new Set(rows.map((r) => r.commit ?? "?"))].map((c) =>
  `${c.slice(0, 12)}${c.endsWith("+dirty") ? " (with uncommitted changes)" : ""} (${
    [...new Set(rows.filter((r) => (r.commit ?? "?") === c).map((r) => r.recipe))].join("; ")
  })`
);
const md = [
  "# Steps on the chance plateau at the default tier (bench/studies/plateau/run.ts)",
  "",
  `Each row trains one default-tier net for the first ${measured} of its run (${data.train.count} CIFAR-10 ` +
  "images, batch 64 and a uniform shuffle unless the recipe says otherwise), validating on " +
  `${
    Math.min(BENCH_VAL, data.val.count)
  } held-out images at ${POINTS} points (all ${data.val.count} at the ` +
  "last). " +
  `"Leaves" is the first validated step at least 5 points below chance (${
    (100 * chance).toFixed(0)
  }%), as a ` +
  "share of the whole run.",
  "",
  "Per recipe: the rows that left within a tenth of their run, and the latest share among those that left.",
  "",
  "| recipe | rows within a tenth | latest share | rows not left in the measured share |",
  "| --- | --- | --- | --- |",
  ...allRecipes.flatMap((recipe) => {
    const mine = rows.filter((r) => r.recipe === recipe.name);
    if (!mine.length) return [];
    const shares = mine.flatMap((r) => (r.leaves === null ? [] : [r.leaves / r.steps]));
    const within = mine.filter((r) => r.leaves !== null && withinTenth(r.leaves / r.steps, r.steps)).length;
    return [
      `| ${recipe.name} | ${within} of ${mine.length} | ${
        shares.length ? Math.max(...shares).toFixed(3) : "-"
      } | ${
        mine.filter((r) => r.leaves === null).map((r) => `${r.net} seed ${r.seed}`).join(", ") || "none"
      } |`,
    ];
  }),
  "",
  "| net | recipe | seed | leaves at step | share of run | validation error at the points (%) |",
  "| --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) =>
    `| ${r.net} | ${r.recipe} | ${r.seed} | ${r.leaves ?? "not yet"} | ${
      r.leaves === null ? `> ${measured}` : (r.leaves / r.steps).toFixed(3)
    } | ${r.points.map((p) => (100 * p.err).toFixed(1)).join(" ")} |`
  ),
  "",
  `Environment: ${env.adapter.description}, Mesa ${env.graphics?.mesa ?? "?"}; measured at commit ${
    byCommit.join(", ")
  }.`,
  "",
].join("\n");
await writeFileAtomic(`${outDir}/result.md`, md);
console.log(`wrote ${outDir}/plateau.json and result.md`);
