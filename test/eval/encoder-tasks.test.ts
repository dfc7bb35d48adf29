/**
 * The encoder evaluation tasks: retrieval ranks identical anchor/positive texts first (top-1 and
 * MRR 1), and counts ties against the anchor (a constant positive: 1/N); masked_lm masks the same
 * tokens on every call (seeded) and gives an accuracy and a loss.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSentenceEncoder } from '../../src/contrastive/index.js';
import { maskedLmEvalMetrics, retrievalEvalMetrics } from '../../src/eval/encoder-tasks.js';
import { loadMaskedLmModel } from '../../src/models/index.js';
import { Tokenizer } from '../../src/tokenizers/index.js';

const BERT = 'test/fixtures/models/tiny-bert';
const TEXTS = ['the quick brown fox', 'the lazy dog', 'bert learns language', 'the weather is sunny', 'residual connections'];

test('retrieval: identical pairs rank first (top-1 1, MRR 1); one positive for every anchor ties, counted against the anchor', () => {
  const tokenizer = Tokenizer.fromPretrained(BERT);
  const encoder = loadSentenceEncoder(BERT);
  const options = { pooling: 'mean' as const, batchSize: 2, maxLength: 32 };
  const same = retrievalEvalMetrics(encoder, tokenizer, TEXTS.map((t) => ({ kind: 'pair', anchor: t, positive: t })), options);
  assert.deepEqual(same, { 'retrieval/top1_accuracy': 1, 'retrieval/mrr': 1, 'retrieval/pairs': 5 });
  const tied = retrievalEvalMetrics(encoder, tokenizer, TEXTS.map((t) => ({ kind: 'pair', anchor: t, positive: 'the lazy dog' })), options);
  assert.equal(tied['retrieval/top1_accuracy'], 0);
  assert.throws(() => retrievalEvalMetrics(encoder, tokenizer, [{ kind: 'pair', anchor: 'a', positive: 'b' }], options), /needs at least 2/);
  encoder.dispose();
});

test('masked_lm: the same masks on every call, an accuracy in [0, 1] and the loss of a fresh model near ln(vocab)', () => {
  const tokenizer = Tokenizer.fromPretrained(BERT);
  const model = loadMaskedLmModel(BERT, {}, false);
  const options = { maskTokenId: tokenizer.tokenToId('[MASK]') as number, maskProb: 0.3, seed: 3, batchSize: 2, maxLength: 32 };
  const a = maskedLmEvalMetrics(model, tokenizer, TEXTS, options);
  const b = maskedLmEvalMetrics(model, tokenizer, TEXTS, options);
  assert.deepEqual(a, b);
  assert.ok((a['masked_lm/masked_tokens'] as number) > 3);
  assert.ok((a['masked_lm/accuracy'] as number) >= 0 && (a['masked_lm/accuracy'] as number) <= 1);
  assert.ok(Math.abs((a['masked_lm/loss'] as number) - Math.log(320)) < 2.5, `loss ${a['masked_lm/loss']}`);
  model.module.dispose();
});
