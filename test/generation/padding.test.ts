/** Left padding and HF's position ids for left-padded rows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { leftPad, positionIdsFromMask } from '../../src/generation/index.js';
import { assertTensor, scoped } from '../helpers/assert.js';

test('leftPad pads the shorter prompts on the left', () => {
  assert.deepEqual(leftPad([[5, 6, 7], [8], [9, 10]], 0), {
    inputIds: [[5, 6, 7], [0, 0, 8], [0, 9, 10]],
    attentionMask: [[1, 1, 1], [0, 0, 1], [0, 1, 1]],
  });
});

test('positionIdsFromMask is cumsum(mask) - 1 with padding set to 0', scoped(() => {
  // transformers 5.18: attention_mask.long().cumsum(-1) - 1, then masked_fill(attention_mask == 0, 0).
  const mask = tensor([[1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 1, 1, 1]]);
  assertTensor(positionIdsFromMask(mask), [[0, 1, 2, 3], [0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 2]], 'int64');
}));
