/**
 * Deliberate faults, for the tests that prove `deno task check` catches regressions (issue: "tests inject
 * faults and show that check fails on each"). RECTIFIERS_FAULT=<name> breaks one detail of the paper's method:
 *   prelu-slope-grad-half   the PReLU slope gradient (Eq. 2) is halved
 *   xavier-as-he            "Xavier" initializes with He's sqrt(2/n) instead of sqrt(1/n)
 *   he-std-too-small        He's forward init draws std sqrt(1/n), a factor sqrt 2 below Eq. 12's sqrt(2/n)
 *   slope-weight-decay      PReLU slopes get weight decay, which the paper forbids (section 2.1)
 *   claims-always-reproduced  every claim rule returns "reproduced" (a rule that cannot fail)
 * Unset in every normal run; a result made with a fault records it (environment.fault) and says so.
 */
export const FAULTS = [
  "prelu-slope-grad-half",
  "xavier-as-he",
  "he-std-too-small",
  "slope-weight-decay",
  "claims-always-reproduced",
] as const;
export type Fault = typeof FAULTS[number];

let active: Fault | null | undefined;
let override: Fault | null | undefined;

/** Sets (or with undefined, clears) the active fault in this process: for tests of the rules themselves. */
export function setFaultForTest(fault: Fault | null | undefined): void {
  override = fault;
}

/** The fault named by RECTIFIERS_FAULT, or null; an unknown name is an error listing the valid ones. */
export function activeFault(): Fault | null {
  if (override !== undefined) return override;
  if (active !== undefined) return active;
  let name: string | undefined;
  try {
    name = Deno.env.get("RECTIFIERS_FAULT");
  } catch {
    name = undefined; // no --allow-env: no fault
  }
  if (name && !FAULTS.includes(name as Fault)) {
    throw new Error(`RECTIFIERS_FAULT=${name} is not a known fault. Valid: ${FAULTS.join(", ")}`);
  }
  active = (name as Fault) || null;
  return active;
}

export function faultActive(fault: Fault): boolean {
  return activeFault() === fault;
}
