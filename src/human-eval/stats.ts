/**
 * The statistics of a pairwise human evaluation: Wilson score intervals for win rates, and
 * chance-corrected agreement (Cohen's kappa for two raters, Fleiss' kappa for more).
 *
 * ```ts
 * wilsonInterval(8, 10);                        // { lower: 0.490, upper: 0.943 }
 * cohensKappa(['a', 'a', 'b'], ['a', 'b', 'b']); // 0.4
 * fleissKappa([[3, 0], [0, 3], [2, 1], [1, 2]]); // 1/3
 * ```
 */

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Wilson score interval for a proportion `successes / n` (Wilson 1927): unlike the normal
 * approximation it stays inside [0, 1] and is sensible for small n and rates near 0 or 1.
 * `successes` may be fractional (ties counted as half a win); the interval is then an approximation.
 *
 *   center = (p + z²/2n) / (1 + z²/n),  half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval {
  if (!(n > 0)) throw new RangeError(`wilsonInterval needs n > 0, got ${n}`);
  if (!(successes >= 0 && successes <= n)) throw new RangeError(`wilsonInterval needs 0 <= successes <= n, got ${successes} of ${n}`);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { lower: Math.max(0, center - halfWidth), upper: Math.min(1, center + halfWidth) };
}

/**
 * Cohen's kappa (Cohen 1960) of two raters' labels on the same items:
 * κ = (p_o − p_e) / (1 − p_e), p_o the observed agreement, p_e the agreement expected from each
 * rater's own label frequencies. NaN when p_e = 1 (both raters always gave one and the same
 * label: agreement beyond chance is undefined).
 */
export function cohensKappa<L>(first: readonly L[], second: readonly L[]): number {
  if (first.length !== second.length) throw new RangeError(`cohensKappa needs equal-length label lists, got ${first.length} and ${second.length}`);
  if (first.length === 0) throw new RangeError('cohensKappa needs at least one item');
  const n = first.length;
  const observed = first.filter((label, i) => label === second[i]).length / n;
  const labels = new Set([...first, ...second]);
  let expected = 0;
  for (const label of labels) {
    expected += (first.filter((l) => l === label).length / n) * (second.filter((l) => l === label).length / n);
  }
  return expected === 1 ? NaN : (observed - expected) / (1 - expected);
}

/**
 * Fleiss' kappa (Fleiss 1971) from a table of counts: `counts[i][j]` raters put item i in
 * category j. Items may have different numbers of raters (at least 2 each); with a constant
 * number this is Fleiss' original statistic.
 *
 *   P_i = (Σ_j n_ij² − n_i) / (n_i (n_i − 1)),  P̄ = mean_i P_i,
 *   p_j = Σ_i n_ij / Σ_i n_i,  P_e = Σ_j p_j²,  κ = (P̄ − P_e) / (1 − P_e)
 *
 * NaN when P_e = 1 (every rating in one category).
 */
export function fleissKappa(counts: readonly (readonly number[])[]): number {
  if (counts.length === 0) throw new RangeError('fleissKappa needs at least one item');
  const categories = counts[0]?.length ?? 0;
  let agreementSum = 0;
  let ratings = 0;
  const categoryTotals = new Array<number>(categories).fill(0);
  counts.forEach((row, i) => {
    if (row.length !== categories) throw new RangeError(`fleissKappa: item ${i} has ${row.length} categories, item 0 has ${categories}`);
    const raters = row.reduce((s, c) => s + c, 0);
    if (raters < 2) throw new RangeError(`fleissKappa: item ${i} has ${raters} rating(s); each item needs at least 2`);
    agreementSum += (row.reduce((s, c) => s + c * c, 0) - raters) / (raters * (raters - 1));
    ratings += raters;
    row.forEach((c, j) => (categoryTotals[j] = (categoryTotals[j] ?? 0) + c));
  });
  const observed = agreementSum / counts.length;
  const expected = categoryTotals.reduce((s, total) => s + (total / ratings) ** 2, 0);
  return expected === 1 ? NaN : (observed - expected) / (1 - expected);
}

/** Mean over items of the share of rater pairs that agree (Fleiss' P̄); for two raters, the share of items they agree on. */
export function pairwiseAgreement(counts: readonly (readonly number[])[]): number {
  if (counts.length === 0) throw new RangeError('pairwiseAgreement needs at least one item');
  const perItem = counts.map((row) => {
    const raters = row.reduce((s, c) => s + c, 0);
    if (raters < 2) throw new RangeError(`pairwiseAgreement: an item has ${raters} rating(s); each needs at least 2`);
    return (row.reduce((s, c) => s + c * (c - 1), 0)) / (raters * (raters - 1));
  });
  return perItem.reduce((s, x) => s + x, 0) / perItem.length;
}
