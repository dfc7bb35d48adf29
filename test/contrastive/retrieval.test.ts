/** retrievalMetrics: hand-computed ranks, ties counted against the anchor, cosine vs dot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { retrievalMetrics } from '../../src/contrastive/index.js';
import { scoped } from '../helpers/assert.js';

test('retrievalMetrics ranks every positive for each anchor: top-1 accuracy and MRR', scoped(() => {
  const anchors = tensor([[1, 0], [0, 1], [1, 1], [-1, 0]], { dtype: 'float32' });
  // anchor 0 -> its positive first; anchor 1 -> positive 3 beats its own (rank 2);
  // anchor 2 -> own positive (1, 1.2) is third behind positives 0 and 1 by cosine; anchor 3 -> last of 4.
  const positives = tensor([[1, 0.1], [0.2, 1], [1, 1.2], [0.1, 1]], { dtype: 'float32' });
  const r = retrievalMetrics(anchors, positives);
  const cos = (a: number[], b: number[]) => (a[0]! * b[0]! + a[1]! * b[1]!) / Math.hypot(a[0]!, a[1]!) / Math.hypot(b[0]!, b[1]!);
  const A = anchors.toArray() as number[][];
  const P = positives.toArray() as number[][];
  const expected = A.map((a, i) => P.filter((p) => cos(a, p) >= cos(a, P[i]!)).length);
  assert.deepEqual(r.ranks, expected);
  assert.equal(r.top1Accuracy, expected.filter((x) => x === 1).length / 4);
  assert.ok(Math.abs(r.mrr - expected.reduce((s, x) => s + 1 / x, 0) / 4) < 1e-12);
}));

test('retrievalMetrics: identical embeddings rank last (ties count against), dot product sees lengths, shapes are checked', scoped(() => {
  const same = tensor([[1, 2], [1, 2], [1, 2]], { dtype: 'float32' });
  const r = retrievalMetrics(same, same);
  assert.deepEqual(r.ranks, [3, 3, 3]);
  assert.equal(r.top1Accuracy, 0);
  assert.ok(Math.abs(r.mrr - 1 / 3) < 1e-12);
  const perfect = tensor([[1, 0], [0, 1]], { dtype: 'float32' });
  assert.deepEqual(retrievalMetrics(perfect, perfect), { top1Accuracy: 1, mrr: 1, ranks: [1, 1] });
  // By cosine positive 0 (direction (1, 0)) is anchor 0's; by dot the long positive 1 wins.
  const positives = tensor([[1, 0], [3, 3]], { dtype: 'float32' });
  assert.deepEqual(retrievalMetrics(perfect, positives).ranks, [1, 1]);
  assert.deepEqual(retrievalMetrics(perfect, positives, { similarity: 'dot' }).ranks, [2, 1]);
  assert.throws(() => retrievalMetrics(perfect, tensor([[1, 0]], { dtype: 'float32' })), /'positives' must have shape \[2, 2\], got \[1, 2\]/);
}));
