/** GenerationConfig: defaults, validation messages, and generation_config.json keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHfGenerationConfig, GENERATION_DEFAULTS, resolveGenerationConfig } from '../../src/generation/index.js';
import { assertThrowsNamed } from '../helpers/assert.js';

test('defaults are HF GenerationConfig defaults', () => {
  const c = resolveGenerationConfig();
  assert.deepEqual(c, { ...GENERATION_DEFAULTS });
  assert.equal(c.doSample, false);
  assert.equal(c.topK, 50);
  assert.equal(c.topP, 1);
  assert.equal(c.temperature, 1);
  assert.equal(c.repetitionPenalty, 1);
  assert.equal(c.eosTokenId, undefined);
  // Explicit undefined keeps the default.
  assert.equal(resolveGenerationConfig({ maxNewTokens: undefined }).maxNewTokens, 20);
});

test('invalid values are rejected with the value quoted', () => {
  const bad: [object, RegExp][] = [
    [{ maxNewTokens: 0 }, /maxNewTokens \(0\)/],
    [{ minNewTokens: -1 }, /minNewTokens \(-1\)/],
    [{ doSample: true, temperature: 0 }, /temperature \(0\).*doSample: false/],
    [{ topK: 1.5 }, /topK \(1.5\)/],
    [{ topP: 1.5 }, /topP \(1.5\)/],
    [{ repetitionPenalty: 0 }, /repetitionPenalty \(0\)/],
    [{ eosTokenId: [1, -2] }, /eosTokenId \(\[1,-2\]\)/],
    [{ padTokenId: 0.5 }, /padTokenId \(0.5\)/],
    [{ stopStrings: [''] }, /stopStrings/],
    [{ seed: -1 }, /seed \(-1\)/],
  ];
  for (const [config, pattern] of bad) assertThrowsNamed(() => resolveGenerationConfig(config), 'RangeError', pattern);
  // Temperature 0 is only an error when sampling (HF warns and ignores it for greedy).
  assert.equal(resolveGenerationConfig({ temperature: 0 }).temperature, 0);
});

test('fromHfGenerationConfig maps snake_case keys; null disables; max_length is ignored', () => {
  const json = {
    bos_token_id: 1, eos_token_id: [2, 7], pad_token_id: 0, do_sample: true, temperature: 0.6, top_k: null, top_p: 0.9,
    repetition_penalty: 1.1, max_new_tokens: 5, min_new_tokens: 2, stop_strings: '###', max_length: 100, transformers_version: '4.44.0',
  };
  assert.deepEqual(fromHfGenerationConfig(json), {
    eosTokenId: [2, 7], padTokenId: 0, doSample: true, temperature: 0.6, topK: 0, topP: 0.9, repetitionPenalty: 1.1,
    maxNewTokens: 5, minNewTokens: 2, stopStrings: ['###'],
  });
  assert.deepEqual(fromHfGenerationConfig({ eos_token_id: 2, use_cache: false }), { eosTokenId: 2, useCache: false });
  assertThrowsNamed(() => fromHfGenerationConfig({ top_p: '0.9' }), 'TypeError', /top_p/);
  const resolved = resolveGenerationConfig(fromHfGenerationConfig(json));
  assert.equal(resolved.topK, 0);
});
