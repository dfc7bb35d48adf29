import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  collateCompletionRows,
  collateCompletions,
  collatePreference,
  collatePreferenceRows,
  collatePrompts,
  IGNORE_INDEX,
  padIdOf,
  tokenizePreference,
  tokenizeSft,
  type TokenizedExample,
} from '../../../src/data/collate/index.js';
import { dispose, memory, tidy } from '../../../src/tensor/index.js';
import { goldenPreference, tokenizer } from './fixtures.js';

const I = IGNORE_INDEX;
const example = (inputIds: number[], promptLength: number): TokenizedExample => {
  const completionMask = inputIds.map((_, i) => (i < promptLength ? 0 : 1));
  return { inputIds, completionMask, labels: inputIds.map((id, i) => (i < promptLength ? I : id)), promptLength, truncated: false };
};

test('the pad id is the tokenizer\'s (3), with eos as fallback', () => {
  assert.equal(padIdOf(tokenizer), 3);
  assert.equal(padIdOf({ padTokenId: null, eosTokenId: 2 }), 2);
  assert.throws(() => padIdOf({ padTokenId: null, eosTokenId: null }), /neither a pad nor an eos/);
});

test('completion rows: right padding by default, -100 labels on padding and prompt', () => {
  const rows = collateCompletionRows([example([10, 11, 12], 1), example([20, 21], 1)], { padTokenId: 3 });
  assert.deepEqual(rows.inputIds, [[10, 11, 12], [20, 21, 3]]);
  assert.deepEqual(rows.attentionMask, [[1, 1, 1], [1, 1, 0]]);
  assert.deepEqual(rows.completionMask, [[0, 1, 1], [0, 1, 0]]);
  assert.deepEqual(rows.labels, [[I, 11, 12], [I, 21, I]]);
});

test('completion rows: left padding and padToMultipleOf', () => {
  const rows = collateCompletionRows([example([10, 11, 12], 1), example([20, 21], 1)], { padTokenId: 3, paddingSide: 'left', padToMultipleOf: 4 });
  assert.deepEqual(rows.inputIds, [[3, 10, 11, 12], [3, 3, 20, 21]]);
  assert.deepEqual(rows.attentionMask, [[0, 1, 1, 1], [0, 0, 1, 1]]);
  assert.deepEqual(rows.labels, [[I, I, 11, 12], [I, I, I, 21]]);
  assert.throws(() => collateCompletionRows([example([1], 0)], { padTokenId: 3, padToMultipleOf: 0 }), /padToMultipleOf must be a positive integer, got 0/);
  assert.throws(() => collateCompletionRows([], { padTokenId: 3 }), /empty batch/);
});

test('completion tensors are int64 [B, T] and are all freed', () => {
  const before = memory().numTensors;
  const sft = [tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }), tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Hello there' })];
  const longest = Math.max(...sft.map((e) => e.inputIds.length));
  tidy(() => {
    const batch = collateCompletions(sft, { padTokenId: padIdOf(tokenizer) });
    for (const t of [batch.inputIds, batch.attentionMask, batch.completionMask, batch.labels]) {
      assert.equal(t.dtype, 'int64');
      assert.deepEqual(t.shape, [2, longest]);
    }
    assert.deepEqual(batch.labels.toArray(), collateCompletionRows(sft, { padTokenId: 3 }).labels);
  });
  const outside = collateCompletions(sft, { padTokenId: 3 });
  dispose(outside);
  assert.equal(memory().numTensors, before);
});

test('preference batch equals TRL DataCollatorForPreference (golden.json)', () => {
  const examples = goldenPreference.examples.map((r) => tokenizePreference(tokenizer, { kind: 'preference', ...r }));
  const rows = collatePreferenceRows(examples, { padTokenId: padIdOf(tokenizer) });
  assert.deepEqual(rows.inputIds, goldenPreference.input_ids);
  assert.deepEqual(rows.attentionMask, goldenPreference.attention_mask);
  assert.deepEqual(rows.completionMask, goldenPreference.completion_mask);
  assert.equal(rows.margins, undefined);
  const before = memory().numTensors;
  tidy(() => {
    const batch = collatePreference(examples, { padTokenId: 3 });
    assert.equal(batch.inputIds.dtype, 'int64');
    assert.deepEqual(batch.inputIds.toArray(), goldenPreference.input_ids);
    assert.deepEqual(batch.attentionMask.toArray(), goldenPreference.attention_mask);
    assert.deepEqual(batch.completionMask.toArray(), goldenPreference.completion_mask);
  });
  assert.equal(memory().numTensors, before);
});

test('preference margins come through when every pair has one', () => {
  const pair = { promptIds: [5], chosenIds: [6, 7], rejectedIds: [8], truncated: false };
  const rows = collatePreferenceRows([{ ...pair, margin: 0.5 }, { ...pair, margin: 2 }], { padTokenId: 3 });
  assert.deepEqual(rows.margins, [0.5, 2]);
  assert.deepEqual(rows.inputIds, [[5, 6, 7], [5, 6, 7], [5, 8, 3], [5, 8, 3]]);
  const before = memory().numTensors;
  tidy(() => {
    const batch = collatePreference([{ ...pair, margin: 0.5 }, { ...pair, margin: 2 }], { padTokenId: 3 });
    assert.deepEqual(batch.margins?.toArray(), [0.5, 2]);
  });
  assert.equal(memory().numTensors, before);
});

test('prompts are left-padded by default for generation', () => {
  const before = memory().numTensors;
  tidy(() => {
    const batch = collatePrompts([{ inputIds: [1, 2, 3], truncated: false }, { inputIds: [4], truncated: false }], { padTokenId: 3 });
    assert.deepEqual(batch.inputIds.toArray(), [[1, 2, 3], [3, 3, 4]]);
    assert.deepEqual(batch.attentionMask.toArray(), [[1, 1, 1], [0, 0, 1]]);
  });
  assert.equal(memory().numTensors, before);
});
