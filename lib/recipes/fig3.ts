/**
 * Fig 3's recipe (init-depth): one recipe for every curve, depth and init being what differ between them. The
 * small family's (lib/recipes/small.ts) with He's init on the fc layers; at the long tier the paper's spans (3
 * epochs at 22 layers, 9.9 at 30) at a constant rate (the curves stop short of the first plateau), read at the
 * same validation points. The 22-layer net is model B (lib/recipes/large.ts) trained with the same rate, batch
 * and batches and no rescaled classifier, which would undo the shrinking output Fig 3 compares.
 */
import type { LargeTier } from "./large.ts";
import type { SmallTier } from "./small.ts";

/** Fig 3's spans (epochs) at 22 and 30 layers, the long tier's curve lengths. */
export const FIG3_SPAN = { 22: 3, 30: 9.9 } as const;

/** The settings of the 30-layer curves and of the 22-layer (model B) curves at a tier. */
export function fig3Recipes(st: SmallTier, lt: LargeTier, long: boolean) {
  const curve = (depth: 22 | 30): SmallTier =>
    long ? { ...st, epochs: FIG3_SPAN[depth], converge: undefined, evalPoints: 39, evalLimit: 1000 } : st;
  const c22 = curve(22);
  const modelB: LargeTier = {
    ...lt,
    lr: st.lr,
    balancedBatches: st.balancedBatches,
    epochs: c22.epochs,
    batch: st.batch,
    classifierLogitStd: undefined,
    evalPoints: c22.evalPoints,
    evalLimit: c22.evalLimit,
    earlyEvalPoints: undefined,
  };
  return { thirty: curve(30), modelB };
}
