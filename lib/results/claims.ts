/**
 * Claims as data: each claim is declared once (its text, the paper's numbers and where, its regime, the statistic
 * and thresholds) and that one declaration yields the verdict and the prose of its rule. The types and the regime
 * bookkeeping are in claim_core.ts, the rules by their noise model in rules/.
 */
export * from "./claim_core.ts";
export * from "./rules/seeds.ts";
export * from "./rules/images.ts";
export * from "./rules/curves.ts";
export * from "./rules/exact.ts";
