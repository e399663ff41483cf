/** Small statistics for the benchmarks: medians and extremes of raw samples, kept alongside them. */

export interface Summary {
  n: number;
  median: number | null;
  min: number | null;
  max: number | null;
}

export const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? null) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

export const summarize = (xs: Array<number | null | undefined>): Summary => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return {
    n: v.length,
    median: median(v),
    min: v.length ? Math.min(...v) : null,
    max: v.length ? Math.max(...v) : null,
  };
};

export const round = (x: number | null, digits = 0): number | null =>
  x === null ? null : Number(x.toFixed(digits));
