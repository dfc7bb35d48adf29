/**
 * The four augmentations on a list of units (words, characters or token ids), each drawing from
 * `random` in a fixed order so a seed fixes the result. None returns an empty list for a
 * non-empty input. EDA (Wei & Zou 2019) defines deletion and swapping on words; CLEAR (Wu et
 * al. 2020) adds span cropping ("span deletion") and masking for sentence contrastive learning.
 */
import type { SwapMode } from './spec.js';

/** Each unit independently becomes `mask(unit)` with probability `prob`. */
export function randomMask<T>(units: readonly T[], prob: number, random: () => number, mask: (unit: T) => T): T[] {
  return units.map((u) => (random() < prob ? mask(u) : u));
}

/** Each unit is independently dropped with probability `prob`; if all would go, one random unit stays (EDA's rule). */
export function randomDelete<T>(units: readonly T[], prob: number, random: () => number): T[] {
  const kept = units.filter(() => random() >= prob);
  if (kept.length > 0 || units.length === 0) return kept;
  return [units[Math.floor(random() * units.length)] as T];
}

/**
 * Left to right, each position swaps with probability `prob`: with its right neighbour
 * ('adjacent', a local reordering) or with a uniformly drawn other position ('random', EDA).
 */
export function randomSwap<T>(units: readonly T[], prob: number, mode: SwapMode, random: () => number): T[] {
  const out = [...units];
  const n = out.length;
  for (let i = 0; i < n; i++) {
    if (random() >= prob) continue;
    let j: number;
    if (mode === 'adjacent') {
      j = i + 1;
      if (j >= n) continue;
    } else {
      if (n < 2) continue;
      j = Math.floor(random() * (n - 1));
      if (j >= i) j += 1; // uniform over the n − 1 other positions
    }
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A contiguous span of max(1, round(ratio · n)) units at a uniformly drawn start. */
export function randomCrop<T>(units: readonly T[], ratio: number, random: () => number): T[] {
  if (units.length === 0) return [];
  const length = Math.max(1, Math.round(ratio * units.length));
  const start = Math.floor(random() * (units.length - length + 1));
  return units.slice(start, start + length);
}
