/**
 * model-complexity's counts and result: depth, parameters and multiply-adds of a net from its inferred shapes,
 * Table 3 beside ours, the 14-/30-layer and scaled models' counts, the metrics and the operations plot.
 */
import { TABLE3 } from "../paper/facts.ts";
import { countMacs, countParams, describe, type LayerInfo, type NetSpec } from "../models/network.ts";
import { type LargeModel, paperSmall14, scaledLarge } from "../models/zoo.ts";
import type { Comparison, Metric } from "../results/result.ts";
import { barChart } from "../results/svg.ts";
import { LARGE_INIT, LARGE_TIERS } from "./large_family.ts";
import type { Report } from "./runner.ts";

export const NAMES: Record<LargeModel, string> = {
  vgg19: "VGG-19",
  A: "model A",
  B: "model B",
  C: "model C",
};

export interface Count {
  depth: number;
  params: number;
  convOps: number;
  allOps: number;
  infos: LayerInfo[];
}

export function count(spec: NetSpec): Count {
  const infos = describe(spec);
  return {
    depth: infos.filter((l) => l.type === "conv" || l.type === "fc").length,
    params: countParams(infos),
    convOps: countMacs(infos, ["conv"]),
    allOps: countMacs(infos),
    infos,
  };
}

/** The result but its claims, from the counts of Table 3's models. */
export function complexityReport(counts: Record<LargeModel, Count>): Omit<Report, "claims"> {
  const e10 = (x: number) => x / 1e10;
  const cOverB = counts.C.allOps / counts.B.allOps;
  const comparison: Comparison[] = [];
  const metrics: Record<string, Metric> = {};
  for (const m of Object.keys(TABLE3) as LargeModel[]) {
    const c = counts[m];
    comparison.push({
      metric: `${NAMES[m]}: depth (conv + fc)`,
      paper: TABLE3[m].depth,
      ours: c.depth,
      source: "Table 3",
    });
    comparison.push({
      metric: `${NAMES[m]}: operations, 10^10 (conv + fc / conv only)`,
      paper: TABLE3[m].ops,
      ours: `${e10(c.allOps).toFixed(3)} / ${e10(c.convOps).toFixed(3)}`,
      source: "Table 3",
      note: `conv + fc is ${(100 * (e10(c.allOps) / TABLE3[m].ops - 1)).toFixed(2)}% off the paper`,
    });
    comparison.push({
      metric: `${NAMES[m]}: parameters, millions`,
      paper: null,
      ours: +(c.params / 1e6).toFixed(1),
      source: "—",
      note: "Table 3 lists no parameter counts",
    });
    metrics[`ops1e10.${m}`] = {
      values: [e10(c.allOps)],
      floor: 0.001,
      description: `${NAMES[m]}: conv + fc multiply-adds, 10^10`,
    };
    metrics[`params1e6.${m}`] = {
      values: [c.params / 1e6],
      floor: 0.01,
      description: `${NAMES[m]}: parameters, millions`,
    };
  }
  const fcIn = (m: LargeModel) => counts[m].infos.find((l) => l.type === "fc")!.params / 4096 - 1;
  comparison.push({
    metric: "fc1 inputs of A/B and C (SPP {7,3,2,1} = 63 bins)",
    paper: "32,256 / 56,448 [derived]",
    ours: `${fcIn("A")} / ${fcIn("C")}`,
    source: "digest section 3.4",
  });
  comparison.push({
    metric: "C / B operations",
    paper: "about 2.3",
    ours: +cOverB.toFixed(3),
    source: "Sec. 3.3 text",
  });
  const small = count(paperSmall14("relu", { kind: "he-forward" }));
  const deep = count(paperSmall14("relu", { kind: "he-forward" }, 16));
  comparison.push({
    metric: "14-layer / 30-layer model: depth, operations 10^9, parameters 10^6",
    paper: "14 / 30 layers",
    ours: `${small.depth} / ${deep.depth}; ${(small.allOps / 1e9).toFixed(3)} / ${
      (deep.allOps / 1e9).toFixed(3)
    }; ${(small.params / 1e6).toFixed(1)} / ${(deep.params / 1e6).toFixed(1)}`,
    source: "Table 1, Sec. 3.2",
    note: "the 16 extra 2x2 256 convs sit at the end of conv3 (UNCONFIRMED)",
  });
  metrics["ops1e9.small14"] = {
    values: [small.allOps / 1e9],
    floor: 0.001,
    description: "14-layer model: multiply-adds, 10^9",
  };
  metrics["ops1e9.small30"] = {
    values: [deep.allOps / 1e9],
    floor: 0.001,
    description: "30-layer model: multiply-adds, 10^9",
  };
  for (const m of ["A", "B", "C"] as const) {
    const scaled = count(scaledLarge(m, "relu", LARGE_INIT, [3, 28, 28], 10, LARGE_TIERS.default.scaling));
    comparison.push({
      metric:
        `scaled ${m} as trained by models-abc at the default tier (28x28 crops): operations 10^6, parameters`,
      paper: null,
      ours: `${(scaled.allOps / 1e6).toFixed(2)}, ${scaled.params}`,
      source: "—",
    });
  }

  const models = Object.keys(TABLE3) as LargeModel[];
  const plots = [{
    file: "complexity.svg",
    caption: "Operations per image: Table 3 and our count",
    svg: barChart({
      title: "Operations per 224x224 image, 10^10 (Table 3)",
      yLabel: "multiply-adds, 10^10",
      categories: models.map((m) => NAMES[m]),
      groups: [
        { name: "paper", values: models.map((m) => TABLE3[m].ops) },
        { name: "ours, conv + fc", values: models.map((m) => e10(counts[m].allOps)) },
      ],
    }),
  }];
  return {
    regime: null,
    config: {
      counting: "multiply-adds of conv and fc layers per 224x224 image; parameters = weights + biases",
      layers: Object.fromEntries(
        models.map((m) => [m, counts[m].infos.map((l) => `${l.name} ${l.detail} -> ${l.shape.join("x")}`)]),
      ),
    },
    runs: [],
    metrics,
    comparison,
    differences: [
      "Exact computation from the layer lists at the paper's size; nothing is scaled, and the result is the same at every tier.",
      "Padding is not stated in the paper (UNCONFIRMED): 3x3 convs pad 1 and conv1 pads 3, which reproduces Table 3's map sizes (112, 56, 28, 14).",
      "VGG-19 is counted as Table 3 lists it (ending in a 2x2 pool and fc layers), not the paper's SPP variant of it.",
    ],
    plots,
  };
}
