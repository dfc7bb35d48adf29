/** Exact- and numeric-match accuracy: the pure functions, their agreement with the rewards, and rlhf eval's generation metrics. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerAccuracy, exactMatch, lastNumber, numericMatch } from '../../src/eval/metrics/index.js';
import { generationMetrics, textTokenization, type GenerationRow } from '../../src/eval/index.js';
import { BUILTIN_REWARDS } from '../../src/rewards/index.js';

test('lastNumber: the last number with sign and decimals, thousands separators dropped', () => {
  assert.equal(lastNumber('125'), 125);
  assert.equal(lastNumber('first 3 then -2.5'), -2.5);
  assert.equal(lastNumber('total: 1,250 apples'), 1250);
  assert.equal(lastNumber('12+7=19'), 19);
  assert.equal(lastNumber('no digits'), null);
  assert.equal(lastNumber(''), null);
});

test('numericMatch compares the last numbers as numbers, within a tolerance, agreeing with the numeric_match reward', async () => {
  const reward = BUILTIN_REWARDS['numeric_match']?.({});
  assert.ok(reward);
  const cases: [string, string, boolean][] = [
    ['125', '125', true],
    ['the answer is 125.', '125', true],
    ['125.0', '125', true],
    ['0125', '125', true],
    ['1,250', '1250', true],
    ['124', '125', false],
    ['125 or 126', '125', false],
    ['', '125', false],
    ['7', 'seven', false],
  ];
  for (const [completion, reference, want] of cases) {
    assert.equal(numericMatch(completion, reference), want, JSON.stringify([completion, reference]));
    const r = await reward({ prompt: '', completion, reference, completionIds: [], truncated: false });
    assert.equal(r, want ? 1 : 0, `numeric_match reward on ${JSON.stringify([completion, reference])}`);
  }
  assert.equal(numericMatch('0.333', '1/3 = 0.3333'), false);
  assert.equal(numericMatch('0.333', '0.3333', 1e-3), true);
});

test('answerAccuracy: shares of exact and numeric matches, with exact values', () => {
  const completions = ['125', ' 115 ', 'it is 25', '0125', 'x'];
  const references = ['125', '125', '25', '125', '7'];
  // exact: 125 only; numeric: 125, 25, 0125.
  assert.deepEqual(answerAccuracy(completions, references), { exactMatch: 1 / 5, numericMatch: 3 / 5, count: 5 });
  assert.deepEqual(answerAccuracy(['19'], [' 19\n']), { exactMatch: 1, numericMatch: 1, count: 1 });
  assert.throws(() => answerAccuracy(['1'], ['1', '2']), /1 completions but 2 references/);
  assert.throws(() => answerAccuracy([], []), /no completions/);
  assert.equal(exactMatch('1  9', '1 9'), true);
});

test('rlhf eval\'s generation task reports exact_match and numeric_match over the rows that have a reference', () => {
  const row = (output: string, reference: string | null): GenerationRow => ({ prompt: 'p', reference, output, numTokens: 2, finishReason: 'eos' });
  const rows = [row('125', '125'), row('115', '125'), row('the answer is 25', '25'), row('hello', null)];
  const m = generationMetrics(rows, textTokenization('13a'));
  assert.equal(m['generation/exact_match'], 1 / 3);
  assert.equal(m['generation/numeric_match'], 2 / 3);
  assert.equal(m['generation/count'], 4);
  const none = generationMetrics([row('hello', null)], textTokenization('13a'));
  assert.equal('generation/exact_match' in none, false);
});
