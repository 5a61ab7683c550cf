/** Command-line numbers for the benchmark's scripts and children. @module */

export interface WholeNumberOptions {
  /** Used when the argument was not given at all; without it, a missing argument is an error. */
  readonly fallback?: number;
  readonly min?: number;
}

/** A whole number of at least `min` (default 1), or an error naming the argument. */
export const wholeNumber = (
  raw: string | undefined,
  name: string,
  { fallback, min = 1 }: WholeNumberOptions = {},
): number => {
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be a whole number of at least ${min}`);
  }
  return value;
};
