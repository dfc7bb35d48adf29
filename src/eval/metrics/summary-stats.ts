/** Mean and standard deviation of a list of numbers, the building block of the score metrics. */

/** Arithmetic mean; throws on an empty list rather than returning NaN. */
export function mean(values: readonly number[], what = 'values'): number {
  if (values.length === 0) throw new Error(`mean: no ${what}`);
  return values.reduce((s, x) => s + x, 0) / values.length;
}

/** Population standard deviation (divides by n, as `numpy.std`). */
export function std(values: readonly number[], what = 'values'): number {
  const m = mean(values, what);
  return Math.sqrt(values.reduce((s, x) => s + (x - m) * (x - m), 0) / values.length);
}

/** Throws unless both lists have the same (non-zero) length. */
export function checkPaired(fn: string, a: readonly number[], b: readonly number[], names: readonly [string, string]): void {
  if (a.length !== b.length) throw new Error(`${fn}: ${a.length} ${names[0]} but ${b.length} ${names[1]}`);
  if (a.length === 0) throw new Error(`${fn}: no ${names[0]}`);
}
