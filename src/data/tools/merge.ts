/**
 * Merges several datasets:
 * - `concat`: every record of every source, in order;
 * - `weighted_sampling`: `size` records (default: the total), source i contributing
 *   round(size · w_i / Σw), drawn without replacement while it has records and with
 *   replacement beyond (upsampling);
 * - `balanced`: as many records from each source as the smallest has.
 */
import { seededRandom, shuffled } from './random.js';

export const MERGE_STRATEGIES = ['concat', 'weighted_sampling', 'balanced'] as const;
export type MergeStrategy = (typeof MERGE_STRATEGIES)[number];

export interface MergeSource<T> {
  name: string;
  records: readonly T[];
  weight?: number;
}

export interface MergeOptions {
  strategy: MergeStrategy;
  size?: number;
  shuffle?: boolean;
  seed?: number;
}

export function mergeRecords<T>(sources: readonly MergeSource<T>[], options: MergeOptions): T[] {
  const { strategy, shuffle = false, seed = 42 } = options;
  const random = seededRandom(seed);
  let merged: T[];
  switch (strategy) {
    case 'concat':
      merged = sources.flatMap((s) => s.records);
      break;
    case 'balanced': {
      const n = Math.min(...sources.map((s) => s.records.length));
      merged = sources.flatMap((s) => shuffled(s.records, random).slice(0, n));
      break;
    }
    case 'weighted_sampling': {
      const weights = sources.map((s) => s.weight ?? 1);
      if (weights.some((w) => !(w >= 0))) throw new RangeError(`weights must be non-negative, got [${weights.join(', ')}]`);
      const total = weights.reduce((a, b) => a + b, 0);
      if (total === 0) throw new RangeError('at least one weight must be positive');
      const size = options.size ?? sources.reduce((n, s) => n + s.records.length, 0);
      merged = sources.flatMap((s, i) => draw(s, Math.round((size * (weights[i] as number)) / total), random));
      break;
    }
    default: {
      const never: never = strategy;
      throw new TypeError(`unknown merge strategy '${String(never)}'; use ${MERGE_STRATEGIES.join(', ')}`);
    }
  }
  return shuffle ? shuffled(merged, random) : merged;
}

function draw<T>(source: MergeSource<T>, count: number, random: () => number): T[] {
  if (count > 0 && source.records.length === 0) throw new RangeError(`dataset '${source.name}' is empty but its weight asks for ${count} records`);
  const out = shuffled(source.records, random).slice(0, count);
  while (out.length < count) out.push(source.records[Math.floor(random() * source.records.length)] as T);
  return out;
}
