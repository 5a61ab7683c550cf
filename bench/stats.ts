/** Small order statistics for the benchmark's samples. @module */

/** The q-quantile (0 to 1) by linear interpolation between order statistics. */
export const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (position - lower);
};

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export const spread = (values: readonly number[]): Spread => ({
  min: values.length === 0 ? Number.NaN : Math.min(...values),
  median: median(values),
  max: values.length === 0 ? Number.NaN : Math.max(...values),
});

/** Element-wise `f(a[i], b[i])` over the rounds both series have: the paired comparison. */
export const paired = (
  a: readonly number[],
  b: readonly number[],
  f: (x: number, y: number) => number,
): number[] =>
  a.flatMap((x, i) => {
    const y = b[i];
    return y === undefined ? [] : [f(x, y)];
  });
