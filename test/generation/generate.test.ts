/**
 * generate() against the deterministic FakeLm: exact greedy tokens, the inputs HF would pass
 * for left-padded batches, cache vs. full re-run, EOS ids, min new tokens, stop strings,
 * seeded sampling, log-probs and native memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, memory, rand } from '../../src/index.js';
import { generate, type GenerationConfig, type GenerationResult } from '../../src/generation/index.js';
import { assertThrowsNamed } from '../helpers/assert.js';
import { FakeLm, logSoftmax, referenceGreedy, scriptedScorer, tableScorer, type Scorer } from './fake-lm.js';

const V = 8;
/** Next token = last + 1 (mod V). */
const counting = scriptedScorer(V, (last) => (last + 1) % V);
const letters = (ids: number[]): string => ids.map((i) => 'abcdefgh'[i]).join('');
const tokens = (results: GenerationResult[]): number[][] => results.map((r) => r.tokenIds);

test('greedy decoding gives the exact token sequence', () => {
  const model = new FakeLm({ vocabSize: V }, counting);
  const [out] = generate(model, [[1]], { maxNewTokens: 4 });
  assert.deepEqual(out?.tokenIds, [2, 3, 4, 5]);
  assert.equal(out?.finishReason, 'length');
  assert.equal(out?.text, undefined);
  assert.equal(model.calls.length, 4, 'one forward per new token, none after the last');
});

test('left padding: inputs, attention masks, positions and cache lengths are exactly HF\'s', () => {
  const model = new FakeLm({ vocabSize: V, padTokenId: 0 });
  const out = generate(model, [[1, 2, 3], [4]], { maxNewTokens: 3 });
  const [a0, a1] = out[0]?.tokenIds as [number, number];
  const [b0, b1] = out[1]?.tokenIds as [number, number];
  assert.deepEqual(model.calls, [
    // Prompt pass: position_ids = cumsum(mask) - 1, padding set to 0.
    { inputIds: [[1, 2, 3], [0, 0, 4]], attentionMask: [[1, 1, 1], [0, 0, 1]], positionIds: [[0, 1, 2], [0, 0, 0]], cacheLength: 0 },
    // Then one column per step: the mask grows by a column of ones, positions by one.
    { inputIds: [[a0], [b0]], attentionMask: [[1, 1, 1, 1], [0, 0, 1, 1]], positionIds: [[3], [1]], cacheLength: 3 },
    { inputIds: [[a1], [b1]], attentionMask: [[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]], positionIds: [[4], [2]], cacheLength: 4 },
  ]);
  assert.equal(model.caches.length, 1);
  assert.equal(model.caches[0]?.disposed, true, 'the cache is disposed at the end');
});

test('a padded batch gives each row what it gets alone', () => {
  const score = tableScorer(V, 7);
  const prompts = [[1, 2, 3], [4], [5, 6]];
  const batched = generate(new FakeLm({ vocabSize: V, padTokenId: 0 }, score), prompts, { maxNewTokens: 6 });
  prompts.forEach((p, i) => {
    assert.deepEqual(batched[i]?.tokenIds, referenceGreedy(score, p, 6), `row ${i} vs the JS reference`);
    const alone = generate(new FakeLm({ vocabSize: V }, score), [p], { maxNewTokens: 6 });
    assert.deepEqual(batched[i], alone[0], `row ${i} batched vs alone`);
  });
});

test('the cached path and a full re-run each step (useCache: false) agree', () => {
  const prompts = [[1, 2, 3], [4], [5, 6]];
  const configs: Partial<GenerationConfig>[] = [
    { maxNewTokens: 8, eosTokenId: 7, padTokenId: 0 },
    { maxNewTokens: 8, eosTokenId: 7, padTokenId: 0, doSample: true, seed: 3, temperature: 1.5, topK: 5, topP: 0.9, repetitionPenalty: 1.3 },
  ];
  for (const config of configs) {
    const cached = new FakeLm({ vocabSize: V }, tableScorer(V, 11));
    const full = new FakeLm({ vocabSize: V }, tableScorer(V, 11));
    const a = generate(cached, prompts, config);
    const b = generate(full, prompts, { ...config, useCache: false });
    assert.deepEqual(a, b);
    // The re-run feeds everything each step, with HF's full mask and positions and no cache.
    const last = full.calls[full.calls.length - 1];
    const width = 3 + full.calls.length - 1;
    assert.equal(last?.cacheLength, undefined);
    assert.equal(last?.inputIds[1]?.length, width);
    assert.deepEqual(last?.positionIds[1], [0, 0, ...Array.from({ length: width - 2 }, (_, j) => j)]);
    assert.equal(full.caches.length, 0);
  }
});

test('several EOS ids: each row stops at its own, keeps it, and is fed padding afterwards', () => {
  // After its EOS, row 0 would pick 3: the 0 it is fed instead is the padding.
  const next: Record<number, number> = { 1: 2, 2: 6, 3: 4, 4: 5, 5: 7, 6: 3 };
  const model = new FakeLm({ vocabSize: V }, scriptedScorer(V, (last) => next[last] ?? 0));
  const steps: { step: number; tokenIds: number[]; live: boolean[] }[] = [];
  const out = generate(model, [[1], [3]], { maxNewTokens: 10, eosTokenId: [6, 7], padTokenId: 0 }, {
    onToken: (step, tokenIds, live) => steps.push({ step, tokenIds: [...tokenIds], live: [...live] }),
  });
  assert.deepEqual(tokens(out), [[2, 6], [4, 5, 7]]);
  assert.deepEqual(out.map((r) => r.finishReason), ['eos', 'eos']);
  assert.equal(model.calls.length, 3, 'stops once every row is done');
  assert.deepEqual(model.calls[2]?.inputIds, [[6], [5]]);
  assert.deepEqual(steps, [
    { step: 0, tokenIds: [2, 4], live: [true, true] },
    { step: 1, tokenIds: [6, 5], live: [true, true] },
    { step: 2, tokenIds: [0, 7], live: [false, true] }, // row 0 is done: it gets padTokenId
  ]);
});

test('EOS and padding fall back to the model config, and padding to the first EOS id', () => {
  const model = new FakeLm({ vocabSize: V, eosTokenId: [5, 6] }, counting);
  const out = generate(model, [[3], [1, 2]], { maxNewTokens: 10 });
  assert.deepEqual(tokens(out), [[4, 5], [3, 4, 5]]);
  assert.deepEqual(model.calls[0]?.inputIds, [[5, 3], [1, 2]], 'padded with EOS 5');
  assert.equal(model.calls.length, 3);
});

test('minNewTokens suppresses EOS until enough tokens exist', () => {
  // EOS (7) leads by 2 over last + 1; the rest are at 0.
  const score: Scorer = (attended) =>
    Array.from({ length: V }, (_, v) => (v === 7 ? 3 : v === ((attended[attended.length - 1] as number) + 1) % 7 ? 1 : 0));
  const model = new FakeLm({ vocabSize: V, eosTokenId: 7 }, score);
  const [out] = generate(model, [[1]], { maxNewTokens: 10, minNewTokens: 3 });
  assert.deepEqual(out?.tokenIds, [2, 3, 4, 7]);
  assert.equal(out?.finishReason, 'eos');
  const e = Math.E;
  const suppressed = 1 - Math.log(e + 6); // EOS at -inf: one logit 1 and six at 0 remain
  const raw = 1 - Math.log(e ** 3 + e + 6);
  const eos = 3 - Math.log(e ** 3 + e + 6);
  close(out?.processedLogprobs ?? [], [suppressed, suppressed, suppressed, eos]);
  close(out?.modelLogprobs ?? [], [raw, raw, raw, eos]);
  assert.deepEqual(generate(new FakeLm({ vocabSize: V, eosTokenId: 7 }, score), [[1]], { maxNewTokens: 10 })[0]?.tokenIds, [7]);
});

test('stop strings end a row; its text includes the token that completed the string', () => {
  const model = new FakeLm({ vocabSize: V, padTokenId: 0 }, counting);
  const out = generate(model, [[0], [2]], { maxNewTokens: 6, stopStrings: ['de', 'zz'] }, { decode: letters });
  assert.deepEqual(out.map((r) => [r.tokenIds, r.text, r.finishReason]), [
    [[1, 2, 3, 4], 'bcde', 'stop_string'],
    [[3, 4], 'de', 'stop_string'],
  ]);
  // A string that began in the prompt counts; one wholly inside the prompt does not.
  const across = generate(new FakeLm({ vocabSize: V, padTokenId: 0 }, counting), [[1, 2], [2, 3]], { maxNewTokens: 3, stopStrings: ['cd'] }, { decode: letters });
  assert.deepEqual(across.map((r) => [r.text, r.finishReason]), [['d', 'stop_string'], ['efg', 'length']]);
  assertThrowsNamed(() => generate(model, [[0]], { stopStrings: ['x'] }), 'TypeError', /decode/);
});

test('a decode function fills text; EOS wins over a stop string on the same token', () => {
  const model = new FakeLm({ vocabSize: V, eosTokenId: 4 }, counting);
  const [out] = generate(model, [[1]], { stopStrings: ['de'] }, { decode: letters });
  assert.deepEqual([out?.text, out?.finishReason], ['cde', 'eos']);
});

test('repetitionPenalty counts prompt tokens and changes the greedy choice', () => {
  // Token 2 leads token 5 by 1; halving 2's logit (it is in the prompt) lets 5 win once.
  const score: Scorer = () => Array.from({ length: V }, (_, v) => (v === 2 ? 3 : v === 5 ? 2 : 0));
  const plain = generate(new FakeLm({ vocabSize: V }, score), [[2]], { maxNewTokens: 3 });
  assert.deepEqual(plain[0]?.tokenIds, [2, 2, 2]);
  const [out] = generate(new FakeLm({ vocabSize: V }, score), [[2]], { maxNewTokens: 3, repetitionPenalty: 2 });
  assert.deepEqual(out?.tokenIds, [5, 2, 2]);
  close(out?.processedLogprobs.slice(0, 1) ?? [], [2 - Math.log(Math.exp(2) + Math.exp(1.5) + 6)]);
});

test('log-probs are log-softmax of the raw logits and of the processed scores', () => {
  const score = tableScorer(V, 5);
  const prompts = [[1, 2, 3], [4]];
  const configs: Partial<GenerationConfig>[] = [{ maxNewTokens: 5 }, { maxNewTokens: 5, doSample: true, seed: 1, temperature: 0.7, topK: 0 }];
  for (const config of configs) {
    const out = generate(new FakeLm({ vocabSize: V, padTokenId: 0 }, score), prompts, config);
    out.forEach((row, i) => {
      const seq = [...(prompts[i] as number[])];
      row.tokenIds.forEach((t, k) => {
        const logits = score(seq, seq.length - 1);
        const t0 = config.temperature ?? 1;
        close([row.modelLogprobs[k] as number], [logSoftmax(logits)[t] as number]);
        close([row.processedLogprobs[k] as number], [logSoftmax(logits.map((x) => x / t0))[t] as number]);
        seq.push(t);
      });
    });
  }
});

test('seeded sampling is reproducible, and topK = 1 sampling equals greedy', () => {
  const prompts = [[1, 2, 3], [4], [5, 6]];
  const run = (config: Partial<GenerationConfig>): GenerationResult[] =>
    generate(new FakeLm({ vocabSize: V, padTokenId: 0 }, tableScorer(V, 2)), prompts, { maxNewTokens: 12, ...config });
  const sample = { doSample: true, temperature: 2, topK: 0 };
  const first = run({ ...sample, seed: 42 });
  manualSeed(999);
  rand([5]).dispose(); // the generator's state before the call must not matter
  assert.deepEqual(run({ ...sample, seed: 42 }), first);
  assert.notDeepEqual(tokens(run({ ...sample, seed: 43 })), tokens(first));
  assert.notDeepEqual(tokens(first), tokens(run({})), 'temperature 2 sampling differs from greedy');
  assert.deepEqual(tokens(run({ doSample: true, topK: 1, seed: 5 })), tokens(run({})));
});

test('the streaming callback sees every live token in order', () => {
  const model = new FakeLm({ vocabSize: V, eosTokenId: 7, padTokenId: 0 }, tableScorer(V, 3));
  const streamed: number[][] = [[], []];
  let expectedStep = 0;
  const out = generate(model, [[1, 2], [3]], { maxNewTokens: 10 }, {
    onToken: (step, ids, live) => {
      assert.equal(step, expectedStep++);
      ids.forEach((t, i) => live[i] && streamed[i]?.push(t));
    },
  });
  assert.deepEqual(streamed, tokens(out));
});

test('no tensors leak, on success and when the callback throws', () => {
  const model = (): FakeLm => new FakeLm({ vocabSize: V, eosTokenId: 7, padTokenId: 0 }, tableScorer(V, 4));
  const prompts = [[1, 2, 3], [4]];
  generate(model(), prompts, { maxNewTokens: 2 }); // warm-up: lazily made natives are not leaks
  const before = memory().numTensors;
  generate(model(), prompts, { maxNewTokens: 6 });
  generate(model(), prompts, { maxNewTokens: 6, useCache: false });
  generate(model(), prompts, {
    maxNewTokens: 6, doSample: true, seed: 0, temperature: 0.8, topK: 4, topP: 0.8, repetitionPenalty: 1.2, minNewTokens: 2,
    stopStrings: ['gg'],
  }, { decode: letters });
  assert.equal(memory().numTensors, before, 'after generate');

  const failing = model();
  assert.throws(() => generate(failing, prompts, { maxNewTokens: 6 }, {
    onToken: (step) => {
      if (step === 2) throw new Error('consumer went away');
    },
  }), /consumer went away/);
  assert.equal(failing.caches[0]?.disposed, true);
  assert.equal(memory().numTensors, before, 'after a throwing callback');
});

test('bad prompts are rejected before the model runs', () => {
  const model = new FakeLm({ vocabSize: V }, counting);
  assertThrowsNamed(() => generate(model, []), 'RangeError', /no prompts/);
  assertThrowsNamed(() => generate(model, [[1], []]), 'RangeError', /prompt 1 is empty/);
  assertThrowsNamed(() => generate(model, [[1, 8]]), 'RangeError', /token id 8/);
  assertThrowsNamed(() => generate(model, [[1, 2], [3]]), 'RangeError', /padTokenId/);
  assertThrowsNamed(() => generate(model, [[1]], { eosTokenId: 9 }), 'RangeError', /eosTokenId 9/);
  assert.equal(model.calls.length, 0);
});

function close(actual: readonly number[], expected: readonly number[], atol = 1e-5): void {
  assert.equal(actual.length, expected.length, 'length');
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    assert.ok(Math.abs(a - e) <= atol, `element ${i}: got ${a}, expected ${e}`);
  });
}
