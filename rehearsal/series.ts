/**
 * The run's time series for the HTML report: acknowledged writes and client errors per bucket, from the
 * write load's own records (each acknowledgement's time, each error's time). Pure.
 */
export interface RunSeries {
  /** When the rehearsal started (every `atMs` in the report counts from here). */
  startedAt: string;
  bucketMs: number;
  /** Start of each bucket, ms from `startedAt`. */
  atMs: number[];
  /** Acknowledged INSERTs per second in each bucket. */
  writesPerSecond: number[];
  /** Failed INSERTs and refused connections in each bucket. */
  clientErrors: number[];
}

export const runSeries = (
  t0: number,
  endMs: number,
  ackTimes: readonly number[],
  errorTimes: readonly number[],
  bucketMs = 250,
): RunSeries => {
  const n = Math.max(1, Math.ceil(endMs / bucketMs));
  const acks = new Array<number>(n).fill(0);
  const errors = new Array<number>(n).fill(0);
  const slot = (at: number) => Math.min(n - 1, Math.max(0, Math.floor((at - t0) / bucketMs)));
  for (const at of ackTimes) acks[slot(at)] = (acks[slot(at)] ?? 0) + 1;
  for (const at of errorTimes) errors[slot(at)] = (errors[slot(at)] ?? 0) + 1;
  return {
    startedAt: new Date(t0).toISOString(),
    bucketMs,
    atMs: acks.map((_, i) => i * bucketMs),
    writesPerSecond: acks.map((a) => (a * 1000) / bucketMs),
    clientErrors: errors,
  };
};
