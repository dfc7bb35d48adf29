/** generate() on the real checkpoints: transformers' greedy tokens, batching with left padding. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generate } from '../../src/generation/index.js';
import { loadCausalLm } from '../../src/models/index.js';
import { scoped } from '../helpers/assert.js';
import { MODELS_DIR, modelDir } from './model-fixtures.js';

test('gpt2: generate() greedy equals transformers generate()', scoped(() => {
  const dir = `${MODELS_DIR}tiny-gpt2`;
  const g = JSON.parse(readFileSync(`${dir}/golden.json`, 'utf8')) as { greedy: { prompt: number[]; max_new_tokens: number; tokens: number[] } };
  const lm = loadCausalLm(dir);
  const [r] = generate(lm, [g.greedy.prompt], { maxNewTokens: g.greedy.max_new_tokens, eosTokenId: [] });
  assert.deepEqual(r?.tokenIds, g.greedy.tokens);
  lm.dispose();
}));

test('qwen2: a left-padded batch generates what each prompt generates alone, with or without the cache', scoped(() => {
  const lm = loadCausalLm(modelDir('tiny-qwen2'));
  const prompts = [[382, 285, 354, 316, 4, 318, 425], [349, 165], [86, 92, 383, 72]];
  const config = { maxNewTokens: 8, eosTokenId: [] as number[] };
  const batched = generate(lm, prompts, config);
  const uncached = generate(lm, prompts, { ...config, useCache: false });
  prompts.forEach((p, i) => {
    const [alone] = generate(lm, [p], config);
    assert.deepEqual(batched[i]?.tokenIds, alone?.tokenIds, `row ${i}`);
    assert.deepEqual(uncached[i]?.tokenIds, alone?.tokenIds, `row ${i} without cache`);
    batched[i]?.modelLogprobs.forEach((lp, t) => assert.ok(Math.abs(lp - (alone?.modelLogprobs[t] as number)) < 1e-4));
  });
  lm.dispose();
}));
