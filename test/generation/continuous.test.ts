/**
 * Continuous batching: with fewer slots than rows, each row's greedy output (tokens, both
 * log-probs, finish reason) is the one it gets generated alone, and rows come back in input order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, tidy } from '../../src/index.js';
import { generate, generateContinuous, type GenerationResult } from '../../src/generation/index.js';
import { fromPretrained } from '../../src/models/index.js';
import { modelDir } from '../models/model-fixtures.js';
import { sampleRollout } from '../../src/trainers/online/rollout.js';

const PROMPTS = [[382, 285, 354, 316, 4], [17, 99], [250, 251, 252], [7], [40, 41, 42, 43, 44, 45, 46], [300, 301]];

function assertSameRow(actual: GenerationResult, alone: GenerationResult, what: string): void {
  assert.deepEqual(actual.tokenIds, alone.tokenIds, `${what}: tokens`);
  assert.equal(actual.finishReason, alone.finishReason, `${what}: finish reason`);
  actual.modelLogprobs.forEach((lp, k) => assert.ok(Math.abs(lp - (alone.modelLogprobs[k] as number)) < 1e-4, `${what}: logprob ${k}`));
  actual.processedLogprobs.forEach((lp, k) => assert.ok(Math.abs(lp - (alone.processedLogprobs[k] as number)) < 1e-4, `${what}: processed logprob ${k}`));
}

test('each row equals its prompt generated alone, in input order, whatever the slot count', () => {
  const lm = fromPretrained(modelDir('tiny-qwen2'));
  try {
    // EOS ids chosen so some rows stop early and hand their slot on; 40 new tokens force compaction.
    const config = { maxNewTokens: 40, eosTokenId: [22, 263, 16, 11], padTokenId: 3, minNewTokens: 2 };
    const alone = PROMPTS.map((p) => generate(lm, [p], config)[0] as GenerationResult);
    assert.ok(alone.some((r) => r.finishReason === 'eos') && alone.some((r) => r.finishReason === 'length'), 'the fixture mixes early and late finishes');
    const before = memory().numTensors;
    for (const maxBatchSize of [1, 2, 4, 16]) {
      const out = tidy(() => generateContinuous(lm, PROMPTS, config, { maxBatchSize }));
      out.forEach((r, i) => assertSameRow(r, alone[i] as GenerationResult, `slots ${maxBatchSize}, row ${i}`));
    }
    assert.equal(memory().numTensors, before, 'no tensor outlives the call');
    // numReturnSequences: each prompt's copies adjacent, one prefill reused for them.
    const copies = generateContinuous(lm, PROMPTS.slice(0, 2), config, { maxBatchSize: 3 });
    const grouped = generateContinuous(lm, PROMPTS.slice(0, 2), { ...config, numReturnSequences: 3 }, { maxBatchSize: 3 });
    assert.equal(grouped.length, 6);
    grouped.forEach((r, i) => assertSameRow(r, copies[Math.floor(i / 3)] as GenerationResult, `copy ${i}`));
    // sampleRollout routes through it when the rows exceed maxBatchSize.
    const rollout = tidy(() => {
      const r = sampleRollout(lm, PROMPTS, { ...config, numReturnSequences: 2 }, { maxBatchSize: 3 });
      return { completions: r.completions, prompts: r.prompts };
    });
    assert.deepEqual(rollout.prompts, PROMPTS.flatMap((p) => [p, p]));
    assert.deepEqual(rollout.completions, alone.flatMap((r) => [r.tokenIds, r.tokenIds]));
  } finally {
    lm.dispose();
  }
});
