/** poolEmbeddings against sentence-transformers' pooling (contrastive.json), both padding sides; the projection head. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { poolEmbeddings, ProjectionHead, SENTENCE_POOLINGS } from '../../src/contrastive/index.js';
import { assertClose, scoped } from '../helpers/assert.js';
import { contrastiveGolden } from './fixture.js';

test('poolEmbeddings equals the reference mean / cls / last pooling, with and without normalisation, for right and left padding', scoped(() => {
  const g = contrastiveGolden().pooling;
  const hidden = tensor(g.hidden, { dtype: 'float64' });
  for (const side of ['right', 'left'] as const) {
    const mask = tensor(g[side].mask, { dtype: 'int64' });
    for (const pooling of SENTENCE_POOLINGS) {
      const msg = `${side} ${pooling}`;
      assertClose(poolEmbeddings(hidden, mask, pooling), g[side][pooling], { atol: 1e-12, rtol: 0, msg });
      assertClose(poolEmbeddings(hidden, mask, pooling, { normalize: true }), g[side][`${pooling}_normalized`], { atol: 1e-12, rtol: 0, msg });
    }
  }
}));

test('poolEmbeddings: cls is position 0 under right padding, a float mask works, an empty row and bad shapes throw', scoped(() => {
  const g = contrastiveGolden().pooling;
  const hidden = tensor(g.hidden, { dtype: 'float64' });
  assertClose(poolEmbeddings(hidden, tensor(g.right.mask, { dtype: 'int64' }), 'cls'), hidden.select(1, 0).toArray() as number[][], { atol: 0, rtol: 0 });
  assertClose(poolEmbeddings(hidden, tensor(g.right.mask, { dtype: 'float32' }), 'mean'), g.right.mean, { atol: 1e-12, rtol: 0 });
  const empty = tensor([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]], { dtype: 'int64' });
  assert.throws(() => poolEmbeddings(hidden, empty, 'mean'), /row 1 of the mask has no real token/);
  assert.throws(() => poolEmbeddings(hidden, tensor(g.right.mask).narrow(1, 0, 4), 'mean'), /'mask' must have shape \[3, 5\], got \[3, 4\]/);
  assert.throws(() => poolEmbeddings(hidden.select(0, 0), tensor(g.right.mask), 'mean'), /'hidden' must be 3-D/);
}));

test('ProjectionHead is Linear -> ReLU -> Linear to projectionDim, with trainable parameters', scoped(() => {
  const head = new ProjectionHead(4, { projectionDim: 3 });
  assert.deepEqual([...head.stateDict()].map(([k, v]) => [k, v.shape]), [['fc1.weight', [4, 4]], ['fc1.bias', [4]], ['fc2.weight', [3, 4]], ['fc2.bias', [3]]]);
  const x = tensor([[1, -2, 3, 0.5], [0, 1, 0, -1]], { dtype: 'float32' });
  const expected = head.fc2.forward(head.fc1.forward(x).relu());
  assertClose(head.forward(x), expected.toArray() as number[][], { atol: 0, rtol: 0 });
  assert.equal(head.trainableParameters().length, 4);
  const wide = new ProjectionHead(8, { hiddenDim: 16, projectionDim: 2, bias: false });
  assert.deepEqual(wide.parameters().map((p) => p.shape), [[16, 8], [2, 16]]);
  wide.dispose();
  assert.throws(() => new ProjectionHead(8, { projectionDim: 0 }), /projectionDim \(0\) must be a positive integer/);
  head.dispose();
}));
