/** Splits records into train and validation parts; every record lands in exactly one. */
import { seededRandom, shuffled } from './random.js';

export interface SplitOptions {
  /** Fraction for training, in (0, 1). */
  trainRatio: number;
  shuffle?: boolean;
  seed?: number;
}

export function splitRecords<T>(records: readonly T[], options: SplitOptions): { train: T[]; validation: T[] } {
  const { trainRatio, shuffle = false, seed = 42 } = options;
  if (!(trainRatio > 0 && trainRatio < 1)) throw new RangeError(`train ratio must be between 0 and 1, got ${trainRatio}`);
  const ordered = shuffle ? shuffled(records, seededRandom(seed)) : [...records];
  const cut = Math.round(ordered.length * trainRatio);
  return { train: ordered.slice(0, cut), validation: ordered.slice(cut) };
}
