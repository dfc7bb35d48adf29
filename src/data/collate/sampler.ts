/**
 * Seeded orderings of a dataset: a plain shuffle, and length-grouped batches that keep
 * padding small (similar lengths share a batch) while the order of batches stays random.
 */

/** mulberry32: a tiny, fast 32-bit PRNG; the same seed gives the same stream everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded Fisher-Yates shuffle of `0..n-1`.
 *
 * ```ts
 * shuffledIndices(5, 42); // the same permutation for seed 42, every run
 * ```
 */
export function shuffledIndices(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, seededRandom(seed));
  return order;
}

function shuffleInPlace<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

/** Options for `lengthGroupedBatches`. */
export interface LengthGroupedOptions {
  batchSize: number;
  seed: number;
  /** Keep a last batch smaller than `batchSize`. Default true. */
  keepLast?: boolean;
}

/**
 * Batches of indices whose lengths are close: sort by length (ties by index, for
 * determinism), cut into batches of `batchSize`, then shuffle the batches with the seed.
 * Every index appears exactly once (unless `keepLast` is false and a remainder is dropped).
 *
 * ```ts
 * lengthGroupedBatches([5, 90, 7, 88], { batchSize: 2, seed: 0 }); // [[1, 3], [0, 2]] or [[0, 2], [1, 3]]
 * ```
 */
export function lengthGroupedBatches(lengths: readonly number[], options: LengthGroupedOptions): number[][] {
  const { batchSize, seed } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  const last = batches[batches.length - 1];
  if (options.keepLast === false && last !== undefined && last.length < batchSize) batches.pop();
  shuffleInPlace(batches, seededRandom(seed));
  return batches;
}

/**
 * One rank's share of an epoch's order, as torch's DistributedSampler deals it: the order is
 * padded with its own first indices to a multiple of `worldSize`, and rank r takes every
 * worldSize-th index from position r. Ranks' shares are disjoint (but for the padding) and
 * together are the whole order, so ranks x batch B walks the data as one process with batch
 * ranks x B does.
 *
 * ```ts
 * distributedShard([7, 3, 5, 1, 0], 1, 2); // [3, 1, 7]: padded to [7, 3, 5, 1, 0, 7]
 * ```
 */
export function distributedShard(order: readonly number[], rank: number, worldSize: number): number[] {
  if (worldSize === 1) return [...order];
  const total = Math.ceil(order.length / worldSize) * worldSize;
  const out: number[] = [];
  for (let i = rank; i < total; i += worldSize) out.push(order[i % order.length] as number);
  return out;
}
