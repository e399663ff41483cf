/**
 * A switchover estimate from what the pipeline can see before the switch. Not a promise: AWS documents
 * only that a switchover "typically takes under a minute" and that SwitchoverTimeout is 30–3600 s
 * (default 300). The per-item costs below are this project's assumptions, named in `basis`, so an
 * approver can see what the figure rests on. What the model says:
 * - RDS first waits for green to catch up: the last lag sample (seconds, or bytes at APPLY_BYTES_PER_S);
 * - on the logical path it then copies every sequence's position (events 0307/0308);
 * - connections are dropped and must reconnect; a long transaction on blue can hold the switch.
 */

export interface EstimateFacts {
  replication: 'physical' | 'logical' | 'binlog';
  sequences: number;
  connections: number;
  longestTransactionSeconds: number | null;
  /** the last lag samples (oldest first) and their unit */
  lagValues: Array<number | null>;
  lagUnit: 'seconds' | 'bytes';
}

export interface SwitchoverEstimate {
  lowerSeconds: number;
  expectedSeconds: number;
  upperSeconds: number;
  recommendedTimeoutSeconds: number;
  basis: string[];
}

/** Assumptions (not AWS figures): see the file comment. */
const FIXED_LOWER_S = 10;
const FIXED_EXPECTED_S = 30;
const SEQUENCE_S = 0.01;
const CONNECTIONS_PER_S = 1000;
const APPLY_BYTES_PER_S = 20 * 1024 * 1024;
export const MIN_TIMEOUT_S = 30;
export const MAX_TIMEOUT_S = 3600;

const lagSeconds = (facts: EstimateFacts): number => {
  const known = facts.lagValues.filter((v): v is number => v !== null && v >= 0);
  const worst = known.length ? Math.max(...known.slice(-5)) : 0;
  return facts.lagUnit === 'seconds' ? worst : worst / APPLY_BYTES_PER_S;
};

export const estimateSwitchover = (facts: EstimateFacts): SwitchoverEstimate => {
  const lag = lagSeconds(facts);
  const sequences = facts.replication === 'logical' ? facts.sequences * SEQUENCE_S : 0;
  const reconnect = facts.connections / CONNECTIONS_PER_S;
  const longest = facts.longestTransactionSeconds ?? 0;
  const lower = Math.ceil(FIXED_LOWER_S + lag + sequences);
  const expected = Math.ceil(FIXED_EXPECTED_S + lag + sequences + reconnect);
  const upper = Math.ceil(expected + longest);
  const recommended = Math.min(
    MAX_TIMEOUT_S,
    Math.max(MIN_TIMEOUT_S, Math.ceil((upper * 1.5) / 30) * 30, 300),
  );
  return {
    lowerSeconds: lower,
    expectedSeconds: expected,
    upperSeconds: upper,
    recommendedTimeoutSeconds: recommended,
    basis: [
      `lag drain ${lag.toFixed(1)} s (worst of the last lag samples${facts.lagUnit === 'bytes' ? `, at an assumed ${APPLY_BYTES_PER_S / 1024 / 1024} MiB/s apply rate` : ''})`,
      facts.replication === 'logical'
        ? `${facts.sequences} sequence(s) synced at ${SEQUENCE_S * 1000} ms each (assumed)`
        : 'no sequence sync (physical replication)',
      `${facts.connections} connection(s) to reconnect (assumed ${CONNECTIONS_PER_S}/s)`,
      `longest transaction on blue ${longest} s (upper bound only)`,
      `fixed RDS steps ${FIXED_LOWER_S}–${FIXED_EXPECTED_S} s (assumed; AWS says "typically under a minute")`,
      `recommended SwitchoverTimeout: 1.5 × upper, rounded up to 30 s, at least the default 300 s, at most ${MAX_TIMEOUT_S} s`,
    ],
  };
};

/** A configured SwitchoverTimeout below the lower bound would time out (and roll back) by construction. */
export const refuseTimeout = (configuredSeconds: number, estimate: SwitchoverEstimate): string | null =>
  configuredSeconds < estimate.lowerSeconds
    ? `switchover.timeoutSeconds ${configuredSeconds} is below the estimated minimum switchover time of ${estimate.lowerSeconds} s (${estimate.basis.slice(0, 2).join('; ')}); set it to at least ${estimate.lowerSeconds}, recommended ${estimate.recommendedTimeoutSeconds}`
    : null;
