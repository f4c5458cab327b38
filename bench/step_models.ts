/** The default tier's five models as the bench and the profile time their training steps (28x28 crops, 10 classes). */
import type { NetSpec } from "../lib/models/network.ts";
import { scaledLarge, scaledSmall14 } from "../lib/models/zoo.ts";
import { SMALL_TIERS } from "../lib/experiments/small_family.ts";
import { LARGE_INIT, LARGE_TIERS } from "../lib/experiments/large_family.ts";

export const STEP_BATCH = 64;

export function stepSpecs(): NetSpec[] {
  const he = { kind: "he-forward" } as const;
  return [
    scaledSmall14("prelu-channel", he, [3, 28, 28], 10, SMALL_TIERS.default.scaling),
    scaledSmall14("relu", he, [3, 28, 28], 10, SMALL_TIERS.default.scaling, 16),
    ...(["A", "B", "C"] as const).map((m) =>
      scaledLarge(m, "prelu-channel", LARGE_INIT, [3, 28, 28], 10, LARGE_TIERS.default.scaling)
    ),
  ];
}
