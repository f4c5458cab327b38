/** What a training run records: one row per epoch, and the validation points inside and between epochs. */

export interface EpochRecord {
  /** Epochs done at its end (fractional for a partial last epoch). */
  epoch: number;
  lr: number;
  trainLoss: number;
  trainTop1Err: number;
  valTop1Err: number;
  valTop5Err: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface EvalPoint {
  /** Fractional epochs trained when measured. */
  epoch: number;
  /** SGD steps taken when measured. */
  step: number;
  /** Seconds spent training (evaluations excluded) when measured: for time-to-accuracy comparisons. */
  trainSeconds: number;
  valTop1Err: number;
  valTop5Err: number;
  probe?: Record<string, number>;
}
