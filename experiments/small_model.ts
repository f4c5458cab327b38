/**
 * small-model: Tables 1-2 and ICCV Fig 1-2 on the scaled 14-layer model. The same model, recipe and seeds with
 * ReLU, LReLU (a = 0.25), PReLU channel-shared and PReLU channel-wise; top-1/top-5 error with 10-view and centre
 * testing, the learned slopes of every layer, each layer's mean response, and the fc layers' Fisher-information
 * proxy E[f_j]E[f_j'] (ICCV Eq. 5-6) measured during training.
 */
import { scalingText } from "../lib/models/zoo.ts";
import { type Experiment, register, type RunContext } from "../lib/experiments/registry.ts";
import { loadData, type LoadedData, resultBase, runRecord, trainNetwork } from "../lib/experiments/common.ts";
import {
  BATCH_NOTE,
  PIXEL_SCALE,
  smallConfig,
  smallGeometry,
  smallLabel,
  smallSpec,
  smallTier,
} from "../lib/experiments/small_family.ts";
import { measuredWeightDecay, slopeGradientCheck } from "../lib/experiments/audit.ts";
import { scheduleText } from "../lib/experiments/recipe.ts";
import {
  fmtInterval,
  meanStd,
  pairedDifference,
  spearman,
  verdictPositive,
} from "../lib/experiments/stats.ts";
import { viewBatch } from "../lib/data/augment.ts";
import { spreadIndices } from "../lib/data/dataset.ts";
import type { ActivationKind } from "../lib/nn.ts";
import { type Network } from "../lib/models/network.ts";
import * as ops from "../lib/ops.ts";
import {
  type Claim,
  type Comparison,
  type Metric,
  type RunRecord,
  writeResult,
} from "../lib/results/result.ts";
import type { InitScheme } from "../lib/init.ts";
import { barChart, filterGrid, lineChart } from "../lib/results/svg.ts";
import { evaluateViews } from "../lib/train/evaluate.ts";
import { noGrad, Tensor, tidy } from "../lib/tensor.ts";

const experiment: Experiment = {
  id: "small-model",
  title: "ReLU vs LReLU vs PReLU on the 14-layer model: errors, learned slopes, mean responses",
  paperRef: "Tables 1-2, ICCV Fig 1-2",
  tiers: ["smoke", "default", "gpu"],
  run,
};
register(experiment);

/** He's forward form for every rectifier (whether the paper used the PReLU variant is UNCONFIRMED). */
const INIT: InitScheme = { kind: "he-forward" };

const VARIANTS: { kind: ActivationKind; label: string; paperTop1: number; paperTop5: number }[] = [
  { kind: "relu", label: "ReLU", paperTop1: 33.82, paperTop5: 13.34 },
  { kind: "lrelu", label: "LReLU (a = 0.25)", paperTop1: 33.8, paperTop5: 13.56 },
  { kind: "prelu-shared", label: "PReLU, channel-shared", paperTop1: 32.71, paperTop5: 12.87 },
  { kind: "prelu-channel", label: "PReLU, channel-wise", paperTop1: 32.64, paperTop5: 12.75 },
];

/** Table 1: learned coefficients per layer, channel-shared and channel-wise mean. */
const TABLE1: Record<string, [number, number]> = {
  conv1: [0.681, 0.596],
  conv21: [0.103, 0.321],
  conv22: [0.099, 0.204],
  conv23: [0.228, 0.294],
  conv24: [0.561, 0.464],
  conv31: [0.126, 0.196],
  conv32: [0.089, 0.152],
  conv33: [0.124, 0.145],
  conv34: [0.062, 0.124],
  conv35: [0.008, 0.134],
  conv36: [0.21, 0.198],
  fc1: [0.063, 0.074],
  fc2: [0.031, 0.075],
};

interface Probe {
  /** Mean response E[f] of each rectifier layer. */
  meanResponse: Record<string, number>;
  /** Fisher proxy mean over j != j' of |E[f_j] E[f_j']| for fc1 and fc2. */
  fisherOffDiagonal: Record<string, number>;
}

/** Mean responses and the fc Fisher proxy on a fixed batch of centre crops (no gradient). */
async function probe(net: Network, data: LoadedData, crop: number, images: number): Promise<Probe> {
  const indices = spreadIndices(data.test.count, images);
  const count = indices.length;
  const x = viewBatch(data.test, indices, data.test.height, crop, [2, 2, false], data.norm);
  return await tidy(async () => {
    const taps = new Map<string, Tensor>();
    noGrad(() =>
      net.forward(Tensor.fromArray(net.backend, x, [count, data.test.channels, crop, crop]), {
        training: false,
        seed: 0,
        taps,
      })
    );
    const meanResponse: Record<string, number> = {};
    const fisherOffDiagonal: Record<string, number> = {};
    for (const [name, t] of taps) {
      meanResponse[name] = await ops.mean(t).item();
      if (name.startsWith("fc")) {
        const units = t.shape[1];
        const perUnit = await new Tensor(
          t.backend,
          t.backend.channelSum(t.storage, null, count, units, 1, 1 / count, "sum"),
          [units],
        ).toArray();
        const sumAbs = perUnit.reduce((a, v) => a + Math.abs(v), 0);
        const sumSq = perUnit.reduce((a, v) => a + v * v, 0);
        fisherOffDiagonal[name] = (sumAbs * sumAbs - sumSq) / (units * (units - 1));
      }
    }
    return { meanResponse, fisherOffDiagonal };
  });
}

/** Learned slope per rectifier layer: the shared value, or the channel-wise mean; and all channel-wise values. */
async function slopes(net: Network): Promise<{ perLayer: Record<string, number>; all: number[] }> {
  const perLayer: Record<string, number> = {};
  const all: number[] = [];
  for (const r of net.rectifiers) {
    if (!r.slopes) continue;
    const values = await r.slopes.tensor.toArray();
    perLayer[r.name.replace(/\.act$/, "")] = values.reduce((a, b) => a + b, 0) / values.length;
    if (values.length > 1) all.push(...values);
  }
  return { perLayer, all };
}

async function run(ctx: RunContext): Promise<void> {
  const tier = smallTier(ctx, experiment.id);
  const started = performance.now();
  const data = await loadData(ctx, tier, PIXEL_SCALE);
  const { side, crop } = smallGeometry(data);
  const seeds = ctx.seeds ?? tier.seeds;
  const runs: RunRecord[] = [];
  const final: Record<
    string,
    {
      top1: number[];
      top5: number[];
      centerTop1: number[];
      slopes: Record<string, number>[];
      allSlopes: number[];
      probe: Probe[];
      slopeDecay: number[];
      weightDecay: number[];
      slopeGradient: number[];
    }
  > = {};
  let conv1: { values: Float64Array; shape: readonly number[] } | null = null;
  for (const v of VARIANTS) {
    final[v.kind] = {
      top1: [],
      top5: [],
      centerTop1: [],
      slopes: [],
      allSlopes: [],
      probe: [],
      slopeDecay: [],
      weightDecay: [],
      slopeGradient: [],
    };
    for (const seed of seeds) {
      const spec = smallSpec(tier, data, v.kind, INIT);
      const config = smallConfig(tier, data, seed);
      const { net, result } = await trainNetwork(ctx, experiment, {
        label: smallLabel(spec, INIT, data, seed),
        spec,
        config,
        data,
        probe: (n) => async () => {
          const p = await probe(n, data, crop, 256);
          return {
            ...Object.fromEntries(Object.entries(p.meanResponse).map(([k, x]) => [`mean.${k}`, x])),
            ...Object.fromEntries(Object.entries(p.fisherOffDiagonal).map(([k, x]) => [`fisher.${k}`, x])),
          };
        },
      });
      const ten = await evaluateViews(net, data.test, {
        views: "ten",
        side,
        crop,
        norm: data.norm,
        batchSize: 250,
      });
      const center = await evaluateViews(net, data.test, {
        views: "center",
        side,
        crop,
        norm: data.norm,
        batchSize: 250,
      });
      const s = await slopes(net);
      const p = await probe(net, data, crop, 256);
      const f = final[v.kind];
      f.top1.push(ten.top1Err);
      f.top5.push(ten.top5Err);
      f.centerTop1.push(center.top1Err);
      f.slopes.push(s.perLayer);
      f.allSlopes.push(...s.all);
      f.probe.push(p);
      if (v.kind === "prelu-channel" && seed === seeds[0]) {
        conv1 = {
          values: await net.convs[0].weight.tensor.toArray(),
          shape: net.convs[0].weight.tensor.shape,
        };
      }
      const checkIndices = spreadIndices(data.test.count, 8);
      const gradCheck = await slopeGradientCheck(
        net,
        viewBatch(data.test, checkIndices, side, crop, [2, 2, false], data.norm),
        checkIndices.map((i) => data.test.labels[i]),
      );
      if (gradCheck !== null) f.slopeGradient.push(gradCheck);
      // Last, as it changes the parameters: the weight decay the optimizer applies to slopes and weights.
      const decay = await measuredWeightDecay(net, config.weightDecay);
      if (decay.slopes !== null) f.slopeDecay.push(decay.slopes);
      f.weightDecay.push(decay.weights);
      runs.push(
        runRecord(`${v.kind}-seed${seed}`, seed, result, {
          tenViewTop1Err: ten.top1Err,
          tenViewTop5Err: ten.top5Err,
          centerTop1Err: center.top1Err,
          centerTop5Err: center.top5Err,
        }),
      );
      ctx.log(
        `   ${v.label}, seed ${seed}: 10-view top-1 ${(100 * ten.top1Err).toFixed(2)}%, top-5 ${
          (100 * ten.top5Err).toFixed(2)
        }%`,
      );
    }
  }

  const layerNames = Object.keys(TABLE1);
  const meanSlope = (kind: ActivationKind, layer: string) =>
    meanStd(final[kind].slopes.map((s) => s[layer])).mean;
  const comparison: Comparison[] = [];
  for (const v of VARIANTS) {
    const t1 = meanStd(final[v.kind].top1);
    const t5 = meanStd(final[v.kind].top5);
    comparison.push({
      metric: `${v.label}: top-1 error % (10-view)`,
      paper: v.paperTop1,
      ours: `${(100 * t1.mean).toFixed(2)} ± ${(100 * t1.std).toFixed(2)}`,
      source: "Table 2",
    });
    comparison.push({
      metric: `${v.label}: top-5 error % (10-view)`,
      paper: v.paperTop5,
      ours: `${(100 * t5.mean).toFixed(2)} ± ${(100 * t5.std).toFixed(2)}`,
      source: "Table 2",
    });
  }
  for (const layer of layerNames) {
    comparison.push({
      metric: `learned a, ${layer} (shared / channel-wise mean)`,
      paper: `${TABLE1[layer][0]} / ${TABLE1[layer][1]}`,
      ours: `${meanSlope("prelu-shared", layer).toFixed(3)} / ${
        meanSlope("prelu-channel", layer).toFixed(3)
      }`,
      source: "Table 1",
    });
  }

  const diff = (a: ActivationKind, b: ActivationKind) => pairedDifference(final[a].top1, final[b].top1);
  const rule =
    "95% t interval of the paired difference in 10-view top-1 error over seeds: above 0 reproduced, below 0 not reproduced, else inconclusive";
  const claims: Claim[] = [];
  for (const kind of ["prelu-channel", "prelu-shared"] as ActivationKind[]) {
    const iv = diff("relu", kind);
    claims.push({
      id: `prelu-beats-relu-${kind}`,
      text: `PReLU (${
        kind === "prelu-channel" ? "channel-wise" : "channel-shared"
      }) has lower error than ReLU`,
      paper: `Table 2: ${
        kind === "prelu-channel" ? "32.64" : "32.71"
      } vs 33.82 top-1 (1.2 / 1.1 points better)`,
      verdict: verdictPositive(iv),
      rule,
      evidence: `ReLU - PReLU = ${fmtInterval(iv)} points`,
    });
  }
  const cw = diff("prelu-shared", "prelu-channel");
  claims.push({
    id: "channel-wise-about-shared",
    text: "Channel-wise and channel-shared PReLU are about equal",
    paper: "Table 2: 32.64 vs 32.71 top-1",
    verdict: cw.n < 2
      ? "inconclusive"
      : cw.lo > -0.01 && cw.hi < 0.01
      ? "reproduced"
      : cw.lo > 0.01 || cw.hi < -0.01
      ? "not reproduced"
      : "inconclusive",
    rule:
      "paired difference interval inside +-1 point: reproduced; entirely outside: not reproduced; else inconclusive",
    evidence: `shared - channel-wise = ${fmtInterval(cw)} points`,
  });
  const lr = diff("relu", "lrelu");
  claims.push({
    id: "lrelu-no-better",
    text: "LReLU with a fixed a = 0.25 is no better than ReLU",
    paper: "Table 2 (ICCV): 33.80 vs 33.82 top-1",
    verdict: lr.n < 2
      ? "inconclusive"
      : lr.lo > 0
      ? "not reproduced"
      : lr.hi < 0.01
      ? "reproduced"
      : "inconclusive",
    rule:
      "interval of ReLU - LReLU: above 0 (LReLU clearly better) not reproduced; below +1 point reproduced; else inconclusive",
    evidence: `ReLU - LReLU = ${fmtInterval(lr)} points`,
  });
  const convLayers = layerNames.filter((l) => l.startsWith("conv"));
  for (const kind of ["prelu-shared", "prelu-channel"] as ActivationKind[]) {
    const values = convLayers.map((l) => meanSlope(kind, l));
    const c1 = values[0];
    claims.push({
      id: `conv1-slope-${kind}`,
      text: `conv1's learned coefficient is well above 0 and the largest (${
        kind === "prelu-channel" ? "channel-wise mean" : "shared"
      })`,
      paper: `Table 1: ${kind === "prelu-channel" ? "0.596" : "0.681"}, the largest of all layers`,
      verdict: c1 > 0.1 && c1 >= Math.max(...values) ? "reproduced" : "not reproduced",
      rule: "mean over seeds of conv1's coefficient > 0.1 and not below any other conv layer's",
      evidence: `conv1 ${c1.toFixed(3)}; other conv layers ${
        values.slice(1).map((x) => x.toFixed(2)).join(", ")
      }`,
    });
  }
  const depthSlopes = convLayers.map((l) => meanSlope("prelu-channel", l));
  const rho = spearman(depthSlopes.map((_, i) => i), depthSlopes);
  claims.push({
    id: "slopes-fall-with-depth",
    text: "Channel-wise coefficients tend to fall with depth",
    paper: "Table 1 channel-wise: conv1 0.596, conv2x 0.20-0.46, conv3x 0.12-0.20, fc 0.07",
    verdict: rho < -0.3 ? "reproduced" : rho > 0.3 ? "not reproduced" : "inconclusive",
    rule:
      "Spearman correlation of conv layer index and channel-wise mean coefficient: below -0.3 reproduced, above 0.3 not reproduced",
    evidence: `rho = ${rho.toFixed(2)}`,
  });
  const allSlopes = final["prelu-channel"].allSlopes;
  const over1 = allSlopes.filter((a) => Math.abs(a) > 1).length / Math.max(allSlopes.length, 1);
  claims.push({
    id: "slopes-rarely-over-1",
    text: "Learned |a| rarely exceeds 1",
    paper: "Section 2.1: coefficients are rarely larger than 1",
    verdict: over1 < 0.05 ? "reproduced" : "not reproduced",
    rule: "fewer than 5% of channel-wise coefficients have |a| > 1",
    evidence: `${(100 * over1).toFixed(2)}% of ${allSlopes.length}`,
  });
  const rectifierNames = Object.keys(final["relu"].probe[0].meanResponse);
  const meanResp = (kind: ActivationKind, layer: string) =>
    meanStd(final[kind].probe.map((p) => p.meanResponse[layer])).mean;
  const smaller = rectifierNames.filter((l) => meanResp("prelu-channel", l) < meanResp("relu", l)).length /
    rectifierNames.length;
  claims.push({
    id: "prelu-smaller-mean-response",
    text: "PReLU has smaller mean responses than ReLU",
    paper: "ICCV Fig 2 (mean response per layer)",
    verdict: smaller >= 0.75 ? "reproduced" : smaller <= 0.25 ? "not reproduced" : "inconclusive",
    rule:
      "channel-wise PReLU's mean response below ReLU's in at least 75% of layers: reproduced; at most 25%: not reproduced",
    evidence: `smaller in ${(100 * smaller).toFixed(0)}% of ${rectifierNames.length} layers`,
  });
  const fisher = (kind: ActivationKind, layer: string) =>
    meanStd(final[kind].probe.map((p) => p.fisherOffDiagonal[layer])).mean;
  const fcLayers = ["fc1", "fc2"];
  const fisherSmaller = fcLayers.filter((l) => fisher("prelu-channel", l) < fisher("relu", l)).length;
  claims.push({
    id: "fisher-off-diagonal",
    text: "PReLU keeps the fc layers' off-diagonal Fisher blocks closer to zero",
    paper: "ICCV Eq. 5-6: the blocks are about E[f_j]E[f_j'], closer to 0 when E[f] is",
    verdict: fisherSmaller === 2 ? "reproduced" : fisherSmaller === 0 ? "not reproduced" : "inconclusive",
    rule:
      "mean over j != j' of |E[f_j]E[f_j']| after training smaller for PReLU in both fc1 and fc2: reproduced; in neither: not reproduced",
    evidence: fcLayers.map((l) =>
      `${l}: PReLU ${fisher("prelu-channel", l).toExponential(2)} vs ReLU ${
        fisher("relu", l).toExponential(2)
      }`
    ).join("; "),
  });

  const plots: { file: string; svg: string }[] = [];
  plots.push({
    file: "slopes.svg",
    svg: barChart({
      title: "Learned PReLU coefficients per layer (Table 1)",
      yLabel: "a",
      categories: layerNames,
      groups: [
        { name: "paper, shared", values: layerNames.map((l) => TABLE1[l][0]) },
        { name: "ours, shared", values: layerNames.map((l) => meanSlope("prelu-shared", l)) },
        { name: "paper, channel-wise", values: layerNames.map((l) => TABLE1[l][1]) },
        { name: "ours, channel-wise", values: layerNames.map((l) => meanSlope("prelu-channel", l)) },
      ],
    }),
  });
  plots.push({
    file: "mean-responses.svg",
    svg: barChart({
      title: "Mean response per layer (ICCV Fig 2)",
      yLabel: "E[f]",
      categories: rectifierNames,
      groups: VARIANTS.map((v) => ({
        name: v.label,
        values: rectifierNames.map((l) => meanResp(v.kind, l)),
      })),
    }),
  });
  const a1 = meanSlope("prelu-channel", "conv1");
  const ys = Array.from({ length: 41 }, (_, i) => -2 + i * 0.1);
  plots.push({
    file: "prelu-shape.svg",
    svg: lineChart({
      title: "ReLU and PReLU (ICCV Fig 1) with our learned conv1 coefficient",
      xLabel: "y",
      yLabel: "f(y)",
      series: [
        { name: "ReLU", points: ys.map((y) => [y, Math.max(y, 0)]) },
        { name: `PReLU, a = ${a1.toFixed(2)}`, points: ys.map((y) => [y, y > 0 ? y : a1 * y]) },
        { name: "PReLU at init, a = 0.25", points: ys.map((y) => [y, y > 0 ? y : 0.25 * y]), dashed: true },
      ],
    }),
  });
  plots.push({
    file: "curves.svg",
    svg: lineChart({
      title: "Validation top-1 error during training (centre crop, first seed)",
      xLabel: "epoch",
      yLabel: "top-1 error",
      series: VARIANTS.map((v) => ({
        name: v.label,
        points: runs.find((r) => r.label === `${v.kind}-seed${seeds[0]}`)!.points.map((p) =>
          [p.epoch, p.valTop1Err] as [number, number]
        ),
      })),
    }),
  });
  if (conv1) {
    plots.push({
      file: "conv1-filters.svg",
      svg: filterGrid("Learned conv1 filters (PReLU channel-wise, first seed)", conv1.values, conv1.shape),
    });
  }

  const metrics: Record<string, Metric> = {};
  const pct = (xs: number[]) => xs.map((x) => 100 * x);
  for (const v of VARIANTS) {
    const f = final[v.kind];
    metrics[`top1.10view.${v.kind}`] = {
      values: pct(f.top1),
      description: `${v.label}: 10-view top-1 error, %`,
      floor: 2,
    };
    metrics[`top5.10view.${v.kind}`] = {
      values: pct(f.top5),
      description: `${v.label}: 10-view top-5 error, %`,
      floor: 2,
    };
    metrics[`top1.center.${v.kind}`] = {
      values: pct(f.centerTop1),
      floor: 2,
      description: `${v.label}: centre-crop top-1 error, %`,
    };
  }
  for (const kind of ["prelu-shared", "prelu-channel"] as ActivationKind[]) {
    const short = kind === "prelu-shared" ? "shared" : "channel";
    for (const layer of layerNames) {
      metrics[`slope.${layer}.${short}`] = {
        values: final[kind].slopes.map((s) => s[layer]),
        floor: 0.02,
        description: `learned a of ${layer} (${short === "shared" ? "shared" : "channel-wise mean"})`,
      };
    }
    metrics[`slopeShift.${short}`] = {
      values: final[kind].slopes.map((s) => {
        const xs = Object.values(s);
        return xs.reduce((a, x) => a + Math.abs(x - 0.25), 0) / xs.length;
      }),
      description: `mean over layers of |a - 0.25|, how far the ${short} slopes moved from their start`,
      floor: 0.005,
    };
    metrics[`audit.slopeGradient.${short}`] = {
      values: final[kind].slopeGradient,
      floor: 0.05,
      description:
        "back-propagated slope gradient / its finite difference on the trained net (1 = Eq. 2 right)",
    };
    metrics[`audit.slopeWeightDecay.${short}`] = {
      values: final[kind].slopeDecay,
      floor: 1e-6,
      description: "weight decay the optimizer applies to the slopes per step, measured (paper: none)",
    };
  }
  metrics["audit.weightDecay"] = {
    values: final["relu"].weightDecay,
    floor: 1e-6,
    description: "weight decay the optimizer applies to conv/fc weights per step, measured (recipe: 5e-4)",
  };
  metrics["meanResponse.preluOverRelu"] = {
    values: final["relu"].probe.map((p, i) => {
      const q = final["prelu-channel"].probe[i];
      const names = Object.keys(p.meanResponse);
      return names.reduce((a, l) => a + q.meanResponse[l] / p.meanResponse[l], 0) / names.length;
    }),
    description: "mean over layers of PReLU (channel-wise) / ReLU mean response, paired by seed",
    floor: 0.05,
  };
  for (const kind of ["relu", "prelu-channel"] as ActivationKind[]) {
    for (const l of fcLayers) {
      metrics[`fisher.${l}.${kind}`] = {
        values: final[kind].probe.map((p) => p.fisherOffDiagonal[l]),
        description: `mean |E[f_j]E[f_j']| over j != j' in ${l} after training (${kind})`,
      };
    }
  }

  await writeResult(ctx.outDir, {
    ...(await resultBase(ctx, experiment, data, seeds, started)),
    config: {
      tier,
      crop,
      side,
      recipe: smallConfig(tier, data, seeds[0]),
      init: INIT,
      pixelScale: PIXEL_SCALE,
    },
    runs,
    metrics,
    comparison,
    claims,
    differences: [
      `Data: ${data.train.count} ${data.dataset} training images (${data.train.height}x${data.train.width}), not 1.28M ImageNet images; ${data.test.count} test images; ${tier.epochs} epochs, not 75.`,
      `Scaled model: ${
        scalingText(tier.scaling)
      }; ${crop}x${crop} crops of ${side}x${side} images with scale jitter [${side}, ${
        side + 4
      }] instead of 224 crops of 256 images.`,
      "conv1 at stride 1 with padding 3 (the input is 8x smaller than 224); SPP {4,2,1} for the 5x5 conv3 maps instead of {6,3,2,1}.",
      ...(tier.batch === 128 ? [] : [`Batch ${tier.batch}: ${BATCH_NOTE}.`]),
      "Inputs mean-subtracted and divided by 64 instead of the raw [-128, 128] range; fc stds rescaled from the paper's 0.01/0.01/0.001 so each fc layer keeps the paper's gain n*std^2 at our smaller fan-ins.",
      `UNCONFIRMED in the paper, chosen here: 2x2 convs pad alternately 1 and 0; pooling rounds up (Caffe); the large models' recipe (momentum 0.9, weight decay 5e-4) with ${
        scheduleText(smallConfig(tier, data, seeds[0]))
      }; He forward init (the ReLU form) for every variant; the recipe of He & Sun 2014 is not given.`,
      "Table 2's ImageNet errors and our CIFAR-10 errors are on different tasks: compare the differences between rows, not the values.",
      "Mean responses and the Fisher proxy are measured on 256 centre-cropped test images; the paper's real-data Fisher evaluation is in a supplement we do not have.",
    ],
    plots: [
      {
        file: "slopes.svg",
        caption: "Learned coefficients per layer, paper (Table 1) and ours (mean over seeds)",
      },
      { file: "mean-responses.svg", caption: "Mean response of each rectifier layer (mean over seeds)" },
      {
        file: "prelu-shape.svg",
        caption: "The rectifier shapes of Fig 1 with our learned conv1 coefficient",
      },
      { file: "curves.svg", caption: "Validation error during training" },
      ...(conv1
        ? [{ file: "conv1-filters.svg", caption: "conv1 filters (the paper calls them Gabor-like)" }]
        : []),
    ],
    notes: [],
  }, plots).then((dir) => ctx.log(`wrote ${dir}/result.json, result.md and plots`));
}
