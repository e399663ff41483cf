/** Lag verdict: converged only when the threshold has held for N consecutive samples. */

export interface LagSample {
  value: number | null;
  at: string;
}

export interface LagJudgement {
  withinThreshold: boolean;
  consecutiveOk: number;
  converged: boolean;
}

/** A missing datapoint counts as not within the threshold: no news is not good news. */
export const judgeLag = (
  value: number | null,
  threshold: number,
  previousConsecutiveOk: number,
  stableSamples: number,
): LagJudgement => {
  const withinThreshold = value !== null && value >= 0 && value <= threshold;
  const consecutiveOk = withinThreshold ? previousConsecutiveOk + 1 : 0;
  return { withinThreshold, consecutiveOk, converged: consecutiveOk >= stableSamples };
};

/** Keeps the last `keep` samples so the state stays far below the 256 KiB payload limit. */
export const appendSample = (samples: LagSample[], sample: LagSample, keep = 20): LagSample[] =>
  [...samples, sample].slice(-keep);
