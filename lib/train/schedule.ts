/**
 * Learning-rate schedules: fixed steps (divide by `factor` at given epochs, as ICCV Fig 4's switches at epochs 20
 * and 65) and the paper's "divide by 10 when the validation error plateaus". State is plain data so it can be
 * checkpointed.
 */
export type ScheduleSpec =
  & (
    | { kind: "steps"; base: number; milestones: number[]; factor: number }
    | { kind: "plateau"; base: number; factor: number; patience: number; minDelta: number; maxDrops: number }
  )
  & {
    /** SGD steps over which the rate rises linearly from base / warmupSteps to base (absent: none). */
    warmupSteps?: number;
  };

/** The rate for SGD step `step` (0-based, over the whole run): the schedule's rate, scaled during warm-up. */
export function warmedRate(spec: ScheduleSpec, rate: number, step: number): number {
  const w = spec.warmupSteps ?? 0;
  return step < w ? (rate * (step + 1)) / w : rate;
}

export interface ScheduleState {
  lr: number;
  best: number;
  sinceBest: number;
  drops: number;
  /** Epochs done when the rate last dropped (0: never; absent in checkpoints made before it was kept). */
  droppedAt?: number;
}

/**
 * When a run has converged: once the rate has dropped as often as the schedule allows and `window` epochs have
 * passed since, the best validation error of the last `window` epochs is less than `minGain` below the best one
 * before them.
 */
export interface ConvergeRule {
  window: number;
  minGain: number;
}

export function initialSchedule(spec: ScheduleSpec): ScheduleState {
  return { lr: spec.base, best: Infinity, sinceBest: 0, drops: 0, droppedAt: 0 };
}

/** Whether the run whose epoch-end validation errors are `valErrs` has converged by `rule` (none: never). */
export function hasConverged(
  spec: ScheduleSpec,
  rule: ConvergeRule | undefined,
  state: ScheduleState,
  valErrs: number[],
): boolean {
  if (!rule || spec.kind !== "plateau" || state.drops < spec.maxDrops) return false;
  if (valErrs.length - (state.droppedAt ?? 0) < rule.window) return false;
  const recent = Math.min(...valErrs.slice(-rule.window));
  const before = Math.min(...valErrs.slice(0, -rule.window));
  return before - recent < rule.minGain;
}

/** The rule in words, for results. */
export function convergeText(spec: ScheduleSpec, rule: ConvergeRule): string {
  const drops = spec.kind === "plateau" ? spec.maxDrops : 0;
  return `converged when, after the learning rate's last drop (${drops}), the best validation error of the ` +
    `last ${rule.window} epochs is less than ${100 * rule.minGain} points below the best before them`;
}

/** The learning rate for `epoch` (0-based) under a step schedule. */
export function stepRate(spec: Extract<ScheduleSpec, { kind: "steps" }>, epoch: number): number {
  return spec.base * spec.factor ** spec.milestones.filter((m) => epoch >= m).length;
}

/**
 * Advances the schedule after an epoch with validation error `valErr`; returns the next epoch's state and
 * whether the rate dropped.
 */
export function advance(
  spec: ScheduleSpec,
  state: ScheduleState,
  epochDone: number,
  valErr: number,
): ScheduleState {
  if (spec.kind === "steps") return { ...state, lr: stepRate(spec, epochDone + 1) };
  const next = { ...state };
  if (valErr < state.best - spec.minDelta) {
    next.best = valErr;
    next.sinceBest = 0;
  } else {
    next.sinceBest++;
    if (next.sinceBest >= spec.patience && next.drops < spec.maxDrops) {
      next.lr = state.lr * spec.factor;
      next.drops++;
      next.sinceBest = 0;
      next.droppedAt = epochDone + 1;
    }
  }
  return next;
}
