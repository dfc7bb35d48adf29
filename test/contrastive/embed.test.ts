/**
 * Sentence embeddings of the tiny Qwen2 fixture against transformers' last_hidden_state pooled
 * the same way (contrastive.json): tokenization, encoder, pooling and batching end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer, memory } from '../../src/index.js';
import { embedTexts, loadSentenceEncoder } from '../../src/contrastive/index.js';
import { assertClose } from '../helpers/assert.js';
import { MODELS_DIR, modelDir } from '../models/model-fixtures.js';
import { contrastiveGolden } from './fixture.js';

test('embedTexts on tiny-qwen2 equals transformers\' pooled last hidden state (mean, cls, last, normalised) within 1e-4', () => {
  const g = contrastiveGolden().tiny_qwen2;
  const dir = modelDir('tiny-qwen2');
  const tokenizer = Tokenizer.fromPretrained(dir);
  const encoder = loadSentenceEncoder(dir);
  const before = memory().numTensors;
  assert.deepEqual(tokenizer.encodeBatch(g.texts, { paddingSide: 'right' }), { inputIds: g.input_ids, attentionMask: g.attention_mask }, 'the same batch as transformers');
  assert.equal(encoder.attention, 'decoder');
  assert.equal(encoder.hiddenSize, 64);
  for (const pooling of ['mean', 'cls', 'last'] as const) {
    assertClose(embedTexts(encoder, tokenizer, g.texts, { pooling }), g[pooling], { atol: 1e-4, rtol: 0, msg: pooling });
  }
  assertClose(embedTexts(encoder, tokenizer, g.texts, { normalize: true }), g.mean_normalized, { atol: 1e-4, rtol: 0 });
  // Batch of one (no padding at all) vs. batches of 4 with right padding: the same vectors.
  const done: number[] = [];
  const one = embedTexts(encoder, tokenizer, g.texts, { batchSize: 1, onBatch: (n, total) => done.push(n, total) });
  assertClose(one, g.mean_unpadded, { atol: 1e-4, rtol: 0 });
  assert.deepEqual(done, [1, 4, 2, 4, 3, 4, 4, 4]);
  assert.equal(memory().numTensors, before, 'no tensor outlives a batch');
  assert.throws(() => embedTexts(encoder, tokenizer, ['ok', ''], {}), /text 2 \(""\) has no tokens to embed/);
  assert.throws(() => embedTexts(encoder, tokenizer, ['ok'], { batchSize: 0 }), /batchSize \(0\) must be a positive integer/);
  encoder.dispose();
});

test('embedTexts on tiny-bert (an encoder) equals transformers\' BertModel pooled the same way within 1e-4, [CLS] included', () => {
  const g = contrastiveGolden().tiny_bert;
  const dir = `${MODELS_DIR}tiny-bert`;
  const tokenizer = Tokenizer.fromPretrained(dir);
  const encoder = loadSentenceEncoder(dir);
  assert.equal(encoder.attention, 'encoder');
  assert.equal(encoder.hiddenSize, 32);
  assert.equal(encoder.module.training, false, 'loaded in eval mode: no dropout');
  assert.deepEqual(tokenizer.encodeBatch(g.texts, { paddingSide: 'right' }), { inputIds: g.input_ids, attentionMask: g.attention_mask });
  for (const pooling of ['mean', 'cls', 'last'] as const) {
    assertClose(embedTexts(encoder, tokenizer, g.texts, { pooling }), g[pooling], { atol: 1e-4, rtol: 0, msg: pooling });
  }
  assertClose(embedTexts(encoder, tokenizer, g.texts, { normalize: true, batchSize: 3 }), g.mean_normalized, { atol: 1e-4, rtol: 0 });
  assertClose(embedTexts(encoder, tokenizer, g.texts, { batchSize: 1 }), g.mean_unpadded, { atol: 1e-4, rtol: 0 });
  encoder.dispose();
});

test('loadSentenceEncoder names the supported model types for one it cannot load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentence-encoder-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'resnet' }));
    assert.throws(() => loadSentenceEncoder(dir), /model_type 'resnet' cannot be loaded as a sentence encoder; supported: .*qwen2.*gpt2.*bert, roberta/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
