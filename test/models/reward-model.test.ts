/** The sequence score head against transformers' Qwen2ForSequenceClassification. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tensor } from '../../src/index.js';
import { SequenceScoreModel, pool } from '../../src/models/index.js';
import { scoped } from '../helpers/assert.js';
import { golden, modelDir } from './model-fixtures.js';

interface RmCase {
  input_ids: number[][];
  attention_mask: number[][];
  rewards_chosen: number[];
  rewards_rejected: number[];
}

test('rewards of chosen and rejected rows match transformers (last non-pad token)', scoped(() => {
  const c = (golden('tiny-qwen2-rm').cases as Record<string, RmCase>).no_margin as RmCase;
  const rm = SequenceScoreModel.fromPretrained(modelDir('tiny-qwen2-rm'));
  const ids = tensor(c.input_ids, { dtype: 'int64' });
  const expected = [...c.rewards_chosen, ...c.rewards_rejected];
  for (const scores of [
    rm.forward({ inputIds: ids, attentionMask: tensor(c.attention_mask, { dtype: 'int64' }) }).scores,
    rm.forward({ inputIds: ids }).scores, // pad id 3 from config.json marks the padding
  ]) {
    assert.deepEqual(scores.shape, [4, 1]);
    (scores.flatValues() as number[]).forEach((s, i) => assert.ok(Math.abs(s - (expected[i] as number)) < 1e-5, `row ${i}: ${s}`));
  }
  const out = mkdtempSync(join(tmpdir(), 'rlhf-rm-'));
  rm.savePretrained(out);
  const back = SequenceScoreModel.fromPretrained(out);
  assert.ok(back.forward({ inputIds: ids }).scores.equal(rm.forward({ inputIds: ids }).scores));
  rm.dispose();
  back.dispose();
}));

test('a causal LM checkpoint gets a fresh score head', scoped(() => {
  const rm = SequenceScoreModel.fromPretrained(modelDir('tiny-qwen2'));
  assert.deepEqual(rm.score.weight.shape, [1, 64]);
  assert.ok(rm.score.weight.abs().sum().item() > 0);
  rm.dispose();
}));

test('pooling: last real token, masked mean and masked max', scoped(() => {
  const h = tensor([[[1, 10], [2, 20], [3, 30]], [[4, -1], [5, -2], [6, -3]]], { dtype: 'float32' }); // (2, 3, 2)
  const mask = tensor([[1, 1, 0], [1, 1, 1]], { dtype: 'int64' });
  assert.deepEqual(pool(h, mask, 'last').toArray(), [[2, 20], [6, -3]]);
  assert.deepEqual(pool(h, mask, 'mean').toArray(), [[1.5, 15], [5, -2]]);
  assert.deepEqual(pool(h, mask, 'max').toArray(), [[2, 20], [6, -1]]);
}));
