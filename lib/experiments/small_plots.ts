/** small-model's plots: Table 1's slopes, Fig 2's mean responses, Fig 1's shapes, curves, conv1 filters. */
import type { ActivationKind } from "../nn.ts";
import { barChart, filterGrid, lineChart } from "../results/svg.ts";

export interface SmallPlotInput {
  layers: string[];
  table1: Record<string, [number, number]>;
  slope: (kind: ActivationKind, layer: string) => number;
  rectifiers: string[];
  variants: { kind: ActivationKind; label: string }[];
  meanResponse: (kind: ActivationKind, layer: string) => number;
  curves: { name: string; points: { epoch: number; valTop1Err: number }[] }[];
  conv1: { values: Float64Array; shape: readonly number[] } | null;
}

export function smallModelPlots(p: SmallPlotInput): { file: string; caption: string; svg: string }[] {
  const a1 = p.slope("prelu-channel", "conv1");
  const ys = Array.from({ length: 41 }, (_, i) => -2 + i * 0.1);
  const plots = [
    {
      file: "slopes.svg",
      caption: "Learned coefficients per layer, paper (Table 1) and ours (mean over seeds)",
      svg: barChart({
        title: "Learned PReLU coefficients per layer (Table 1)",
        yLabel: "a",
        categories: p.layers,
        groups: [
          { name: "paper, shared", values: p.layers.map((l) => p.table1[l][0]) },
          { name: "ours, shared", values: p.layers.map((l) => p.slope("prelu-shared", l)) },
          { name: "paper, channel-wise", values: p.layers.map((l) => p.table1[l][1]) },
          { name: "ours, channel-wise", values: p.layers.map((l) => p.slope("prelu-channel", l)) },
        ],
      }),
    },
    {
      file: "mean-responses.svg",
      caption: "Mean response of each rectifier layer (mean over seeds)",
      svg: barChart({
        title: "Mean response per layer (ICCV Fig 2)",
        yLabel: "E[f]",
        categories: p.rectifiers,
        groups: p.variants.map((v) => ({
          name: v.label,
          values: p.rectifiers.map((l) => p.meanResponse(v.kind, l)),
        })),
      }),
    },
    {
      file: "prelu-shape.svg",
      caption: "The rectifier shapes of Fig 1 with our learned conv1 coefficient",
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
    },
    {
      file: "curves.svg",
      caption: "Validation error during training (first seed, validation split)",
      svg: lineChart({
        title: "Validation top-1 error during training (centre crop, first seed)",
        xLabel: "epoch",
        yLabel: "top-1 error",
        series: p.curves.map((c) => ({ name: c.name, points: c.points.map((q) => [q.epoch, q.valTop1Err]) })),
      }),
    },
  ];
  if (p.conv1) {
    plots.push({
      file: "conv1-filters.svg",
      caption: "conv1 filters (the paper calls them Gabor-like)",
      svg: filterGrid(
        "Learned conv1 filters (PReLU channel-wise, first seed)",
        p.conv1.values,
        p.conv1.shape,
      ),
    });
  }
  return plots;
}
