import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lengthGroupedBatches, shuffledIndices } from '../../../src/data/collate/index.js';

const lengths = [5, 90, 7, 88, 30, 31, 6, 89, 29, 1, 60];

test('length-grouped batches cover every index exactly once', () => {
  const batches = lengthGroupedBatches(lengths, { batchSize: 3, seed: 1 });
  assert.deepEqual(batches.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
  assert.equal(batches.length, 4);
});

test('length-grouped batches hold neighbours in length order', () => {
  const batches = lengthGroupedBatches(lengths, { batchSize: 3, seed: 1 });
  const sorted = [...batches].sort((a, b) => (lengths[a[0]!] as number) - (lengths[b[0]!] as number));
  // Sorted lengths: 1 5 6 | 7 29 30 | 31 60 88 | 89 90
  assert.deepEqual(sorted, [[9, 0, 6], [2, 8, 4], [5, 10, 3], [7, 1]]);
});

test('length-grouped batches are deterministic for a seed and vary across seeds', () => {
  const a = lengthGroupedBatches(lengths, { batchSize: 2, seed: 7 });
  assert.deepEqual(lengthGroupedBatches(lengths, { batchSize: 2, seed: 7 }), a);
  const orders = new Set([0, 1, 2, 3, 4, 5].map((seed) => JSON.stringify(lengthGroupedBatches(lengths, { batchSize: 2, seed }))));
  assert.ok(orders.size > 1, 'different seeds should give different batch orders');
});

test('keepLast: false drops a short remainder', () => {
  const batches = lengthGroupedBatches(lengths, { batchSize: 3, seed: 1, keepLast: false });
  assert.equal(batches.length, 3);
  assert.ok(batches.every((b) => b.length === 3));
  assert.throws(() => lengthGroupedBatches(lengths, { batchSize: 0, seed: 1 }), /batchSize must be a positive integer, got 0/);
});

test('the seeded shuffle is a deterministic permutation', () => {
  const p = shuffledIndices(50, 42);
  assert.deepEqual(shuffledIndices(50, 42), p);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(shuffledIndices(50, 43), p);
  assert.notDeepEqual(p, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(shuffledIndices(0, 1), []);
});
