/**
 * Static KV cache and prompt sharing on a real (tiny Qwen2) model: numReturnSequences prefills
 * each prompt once and must give exactly what G repeated copies of the prompt give.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, tensor, tidy } from '../../src/index.js';
import { generate, type GenerationResult } from '../../src/generation/index.js';
import { CausalLM, fromPretrained } from '../../src/models/index.js';
import { sampleRollout } from '../../src/trainers/online/rollout.js';
import { modelDir } from '../models/model-fixtures.js';

const PROMPTS = [[382, 285, 354, 316, 4], [17, 99], [250, 251, 252]];
const repeat = <T>(xs: readonly T[], G: number): T[] => xs.flatMap((x) => Array.from({ length: G }, () => x));

function withModel(fn: (lm: CausalLM) => void): () => void {
  return () => {
    const lm = fromPretrained(modelDir('tiny-qwen2'));
    try {
      fn(lm);
    } finally {
      lm.dispose();
    }
  };
}

function assertSame(shared: GenerationResult[], repeated: GenerationResult[]): void {
  assert.equal(shared.length, repeated.length);
  shared.forEach((s, i) => {
    const r = repeated[i] as GenerationResult;
    assert.deepEqual(s.tokenIds, r.tokenIds, `row ${i} tokens`);
    assert.equal(s.finishReason, r.finishReason);
    s.modelLogprobs.forEach((lp, k) => assert.ok(Math.abs(lp - (r.modelLogprobs[k] as number)) < 1e-4, `row ${i} token ${k} logprob ${lp} vs ${r.modelLogprobs[k]}`));
    s.processedLogprobs.forEach((lp, k) => assert.ok(Math.abs(lp - (r.processedLogprobs[k] as number)) < 1e-4));
  });
}

test('numReturnSequences: one prefill per prompt, outputs equal to repeated prompts (greedy and seeded sampling)', withModel((lm) => {
  const forwards: number[] = [];
  const forward = lm.forward.bind(lm);
  lm.forward = (input) => {
    forwards.push(input.inputIds?.size(0) ?? 0);
    return forward(input);
  };
  for (const config of [{ maxNewTokens: 10 }, { maxNewTokens: 10, doSample: true, topK: 0, temperature: 1.3, seed: 4 }, { maxNewTokens: 8, doSample: true, topP: 0.8, repetitionPenalty: 1.3, seed: 9 }]) {
    forwards.length = 0;
    const shared = generate(lm, PROMPTS, { ...config, numReturnSequences: 4 });
    assert.equal(forwards[0], PROMPTS.length, 'the prefill runs on the distinct prompts');
    assert.equal(forwards[1], PROMPTS.length * 4, 'decoding runs on every copy');
    assertSame(shared, generate(lm, repeat(PROMPTS, 4), config));
  }
  // Sampled copies of one prompt differ: the copies draw independently.
  const sampled = generate(lm, [PROMPTS[0] as number[]], { maxNewTokens: 10, doSample: true, topK: 0, temperature: 2, seed: 1, numReturnSequences: 4 });
  assert.ok(new Set(sampled.map((r) => r.tokenIds.join(','))).size > 1);
}));

test('the static cache: writing past its capacity reallocates and keeps every position', withModel((lm) => {
  const ids = tensor([[382, 285, 354, 316, 4, 9, 17]], { dtype: 'int64' });
  const full = lm.forward({ inputIds: ids }).logits;
  const cache = lm.newCache({ capacity: 2 });
  const parts = [lm.forward({ inputIds: ids.slice(1, 0, 3), cache }).logits];
  for (let t = 3; t < 7; t++) parts.push(lm.forward({ inputIds: ids.slice(1, t, t + 1), cache }).logits);
  assert.equal(cache.length, 7);
  parts.forEach((p, i) => {
    const expected = i === 0 ? full.slice(1, 0, 3) : full.slice(1, i + 2, i + 3);
    assert.ok(p.sub(expected).abs().max().item() < 1e-5, `part ${i}`);
  });
  cache.dispose();
}));

test('sampleRollout with numReturnSequences lays rows out as repeated prompts, with no leak', withModel((lm) => {
  const config = { maxNewTokens: 6, padTokenId: 3, doSample: true, topK: 0, seed: 2 };
  const before = memory().numTensors;
  tidy(() => {
    const shared = sampleRollout(lm, PROMPTS, { ...config, numReturnSequences: 3 });
    const repeated = sampleRollout(lm, repeat(PROMPTS, 3), config);
    assert.deepEqual(shared.prompts, repeat(PROMPTS, 3));
    assert.deepEqual(shared.completions, repeated.completions);
    assert.deepEqual(shared.batch.inputIds.toArray(), repeated.batch.inputIds.toArray());
    assert.ok(shared.batch.generationLogps.sub(repeated.batch.generationLogps).abs().max().item() < 1e-4);
  });
  assert.equal(memory().numTensors, before, 'the caches and buffers are freed');
}));
