/** Formatters shared by the experiments' tables: percentages, mean +- sd over seeds, per-seed metrics. */
import type { Comparison, Metric } from "./result.ts";
import { meanStd } from "./stats.ts";

/** A fraction as a percentage with two decimals, e.g. 0.3382 -> "33.82". */
export const pct = (x: number, digits = 2): string => (100 * x).toFixed(digits);

/** Mean +- sd over seeds, as percentages of fractions (scale 100) or plain values (scale 1). */
export function meanSd(values: number[], scale = 100, digits = 2): string {
  const { mean, std } = meanStd(values);
  return values.length > 1
    ? `${(scale * mean).toFixed(digits)} ± ${(scale * std).toFixed(digits)}`
    : (scale * mean).toFixed(digits);
}

/** A metric for the regression check: fractions stored as percentages, with a floor on the tolerance. */
export function percentMetric(values: number[], description: string, floor = 2): Metric {
  return { values: values.map((v) => 100 * v), description: `${description}, %`, floor };
}

export function mean(values: number[]): number {
  return meanStd(values).mean;
}

/** One row of a result's "paper and ours" table. */
export function row(
  metric: string,
  paper: Comparison["paper"],
  ours: Comparison["ours"],
  source: string,
): Comparison {
  return { metric, paper, ours, source };
}
