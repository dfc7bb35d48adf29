/** Exact-match accuracy: what generate() produces, decoded and compared with each reference. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactMatch, exactMatchAccuracy } from '../../src/eval/task-accuracy.js';
import { generate } from '../../src/generation/index.js';
import { BUILTIN_REWARDS } from '../../src/rewards/index.js';
import { loadCausalLm } from '../../src/models/index.js';
import { Tokenizer } from '../../src/tokenizers/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';

test('exactMatch trims, collapses inner whitespace and nothing else, agreeing with the exact_match reward', async () => {
  const reward = BUILTIN_REWARDS['exact_match']?.({});
  assert.ok(reward);
  const cases: [string, string, boolean][] = [
    [' 19\n', '19', true],
    ['19', ' 19 ', true],
    ['1  9', '1 9', true],
    ['1\t9', '1 9', true],
    ['19', '1 9', false],
    ['019', '19', false],
    ['19.', '19', false],
    ['', '', true],
  ];
  for (const [completion, reference, want] of cases) {
    assert.equal(exactMatch(completion, reference), want, JSON.stringify([completion, reference]));
    const r = await reward({ prompt: '', completion, reference, completionIds: [], truncated: false });
    assert.equal(r, want ? 1 : 0, `exact_match reward on ${JSON.stringify([completion, reference])}`);
  }
});

test('exactMatchAccuracy counts the greedy completions that equal their reference, in any batch size', () => {
  const model = loadCausalLm(MODEL);
  const tok = Tokenizer.fromPretrained(MODEL);
  const prompts = ['Hello world', 'What is 2+2?', 'Name a colour.'];
  // The completions, made here the long way: plain-text prompts are encoded as text (TRL's rule,
  // though the tokenizer has a chat template), greedy, 5 tokens.
  const ids = prompts.map((p) => tok.encode(p));
  const texts = generate(model, ids, { maxNewTokens: 5, eosTokenId: tok.eosTokenId ?? undefined, padTokenId: tok.padTokenId ?? undefined })
    .map((r) => tok.decode(r.tokenIds, { skipSpecialTokens: true }));
  assert.ok(texts.every((t) => t.trim() !== ''), JSON.stringify(texts));
  const records = [
    { prompt: prompts[0] as string, reference: ` ${texts[0]} ` },
    { prompt: prompts[1] as string, reference: 'certainly not this' },
    { prompt: prompts[2] as string, reference: texts[2] as string },
  ];
  for (const batchSize of [1, 2, 64]) {
    const r = exactMatchAccuracy(model, tok, records, { maxNewTokens: 5, batchSize });
    assert.equal(r.correct, 2, `batch ${batchSize}`);
    assert.equal(r.total, 3);
    assert.ok(Math.abs(r.accuracy - 2 / 3) < 1e-12);
    assert.deepEqual(r.samples.map((s) => s.completion), texts);
    assert.deepEqual(r.samples.map((s) => s.correct), [true, false, true]);
  }
  // Sampling with a seed repeats itself.
  const sampled = () => exactMatchAccuracy(model, tok, records, { maxNewTokens: 5, generation: { doSample: true, topK: 0, seed: 3 } }).samples.map((s) => s.completion);
  assert.deepEqual(sampled(), sampled());
  assert.throws(() => exactMatchAccuracy(model, tok, [{ prompt: 'x' }], {}), /record 0 has no reference/);
  assert.throws(() => exactMatchAccuracy(model, tok, [], {}), /no records/);
  model.dispose();
});
