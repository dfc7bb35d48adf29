/** Each logits processor and warper against hand-computed values, and their order in processScores. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import {
  applyRepetitionPenalty, applyTemperature, chooseTokens, enforceMinNewTokens, processScores, resolveGenerationConfig, suppressTokens,
  topKFilter, topPFilter,
} from '../../src/generation/index.js';
import { assertClose, assertThrowsNamed, scoped } from '../helpers/assert.js';

const NEG = -Infinity;
const logs = (ps: number[]): number[] => ps.map(Math.log);

test('repetitionPenalty divides positive and multiplies negative logits of seen tokens, once each', scoped(() => {
  const scores = tensor([[2, -1, 0.5, -3], [2, -1, 0.5, -3]]);
  // Row 0 saw token 1 twice and token 0; row 1 saw tokens 2 and 3.
  const seen = tensor([[0, 1, 1], [2, 3, 3]]);
  assertClose(applyRepetitionPenalty(scores, seen, 2), [[1, -2, 0.5, -3], [2, -1, 0.25, -6]]);
  // A penalty below 1 rewards repetition the other way round.
  assertClose(applyRepetitionPenalty(scores, seen, 0.5), [[4, -0.5, 0.5, -3], [2, -1, 1, -1.5]]);
}));

test('suppressTokens and minNewTokens set EOS ids to -inf only while too few tokens exist', scoped(() => {
  const scores = tensor([[1, 2, 3, 4], [5, 6, 7, 8]], { dtype: 'float32' });
  assertClose(suppressTokens(scores, [1, 3]), [[1, NEG, 3, NEG], [5, NEG, 7, NEG]]);
  assertClose(enforceMinNewTokens(scores, [1, 3], 1, 2), [[1, NEG, 3, NEG], [5, NEG, 7, NEG]]);
  assertClose(enforceMinNewTokens(scores, [1, 3], 2, 2), [[1, 2, 3, 4], [5, 6, 7, 8]]);
  assertClose(enforceMinNewTokens(scores, [], 0, 2), [[1, 2, 3, 4], [5, 6, 7, 8]]);
}));

test('temperature divides the logits', scoped(() => {
  assertClose(applyTemperature(tensor([[2, -1, 0]], { dtype: 'float32' }), 0.5), [[4, -2, 0]]);
  assertClose(applyTemperature(tensor([[2, -1, 0]], { dtype: 'float32' }), 2), [[1, -0.5, 0]]);
  assertThrowsNamed(() => applyTemperature(tensor([[1.5]]), 0), 'RangeError', /temperature \(0\)/);
  assertThrowsNamed(() => applyTemperature(tensor([[1, 2]]), 2), 'TypeError', /applyTemperature: scores must be a floating-point \(B, vocab\) tensor, got int64 \[1,2\]/);
}));

test('topK keeps the k largest, ties with the k-th included', scoped(() => {
  const scores = tensor([[1, 3, 2, 3, 0], [5, 4, 3, 2, 1]], { dtype: 'float32' });
  assertClose(topKFilter(scores, 2), [[NEG, 3, NEG, 3, NEG], [5, 4, NEG, NEG, NEG]]);
  assertClose(topKFilter(scores, 3), [[NEG, 3, 2, 3, NEG], [5, 4, 3, NEG, NEG]]);
  // k = 1 still keeps both tied maxima, as HF does.
  assertClose(topKFilter(scores, 1), [[NEG, 3, NEG, 3, NEG], [5, NEG, NEG, NEG, NEG]]);
  assertClose(topKFilter(scores, 99), [[1, 3, 2, 3, 0], [5, 4, 3, 2, 1]]);
  assertThrowsNamed(() => topKFilter(scores, 0), 'RangeError', /topK \(0\)/);
}));

test('topP keeps the smallest set of top tokens reaching p, and at least one', scoped(() => {
  // Probabilities 0.5 0.3 0.15 0.05; row 1 lists the same ones in another order.
  const scores = tensor([logs([0.5, 0.3, 0.15, 0.05]), logs([0.05, 0.15, 0.5, 0.3])]);
  const kept = (p: number): boolean[][] =>
    (topPFilter(scores, p).toArray() as number[][]).map((row) => row.map((v) => v !== NEG));
  assert.deepEqual(kept(0.75), [[true, true, false, false], [false, false, true, true]]); // 0.5 + 0.3 >= 0.75
  assert.deepEqual(kept(0.85), [[true, true, true, false], [false, true, true, true]]); // needs 0.15 too
  assert.deepEqual(kept(0.4), [[true, false, false, false], [false, false, true, false]]); // the top token alone
  assert.deepEqual(kept(0), [[true, false, false, false], [false, false, true, false]]); // never empty
  assert.deepEqual(kept(1), [[true, true, true, true], [true, true, true, true]]);
  // A cumulative probability exactly at 1 - p is removed (HF's <=): of four equal tokens, p = 0.5 keeps two.
  const uniform = topPFilter(tensor([[0, 0, 0, 0]], { dtype: 'float32' }), 0.5).toArray() as number[][];
  assert.equal(uniform[0]?.filter((v) => v !== NEG).length, 2);
  // Kept scores are unchanged.
  assertClose(topPFilter(scores, 0.75), [[Math.log(0.5), Math.log(0.3), NEG, NEG], [NEG, NEG, Math.log(0.5), Math.log(0.3)]]);
}));

test('processScores runs HF order: penalty, min-new-tokens, then temperature, top-k, top-p when sampling', scoped(() => {
  const base = { repetitionPenalty: 1, minNewTokens: 0, doSample: true, temperature: 1, topK: 0, topP: 1 };
  const ctx = { sequences: tensor([[0, 1]]), generated: 0, eosIds: [2] };
  // Top-k first renormalises 0.5 / 0.3 to 0.625 / 0.375, so top-p 0.6 then keeps one token; the
  // other order would keep two.
  const probs = tensor([logs([0.5, 0.3, 0.2])]);
  const kept = processScores(probs, ctx, { ...base, topK: 2, topP: 0.6 }).toArray() as number[][];
  assert.deepEqual(kept[0]?.map((v) => v !== NEG), [true, false, false]);

  const scores = tensor([[2, -2, 5, 1]], { dtype: 'float32' });
  assertClose(processScores(scores, ctx, { ...base, repetitionPenalty: 2, minNewTokens: 1, temperature: 0.5 }), [[2, -8, NEG, 2]]);
  // Greedy skips the warpers, as HF does when do_sample is false.
  assertClose(processScores(scores, ctx, { ...base, doSample: false, repetitionPenalty: 2, temperature: 0.5, topK: 1 }), [[1, -4, 5, 1]]);
  assertClose(processScores(scores, ctx, resolveGenerationConfig()), [[2, -2, 5, 1]]);
}));

test('chooseTokens: argmax when greedy, a draw from the softmax when sampling', scoped(() => {
  const scores = tensor([[0, 5, 1], [NEG, NEG, 0]], { dtype: 'float32' });
  assert.deepEqual(chooseTokens(scores, false).toArray(), [1, 2]);
  const sampled = chooseTokens(tensor([[NEG, 0, NEG], [NEG, NEG, 0]]), true);
  assert.deepEqual(sampled.toArray(), [1, 2]);
  assert.equal(sampled.dtype, 'int64');
}));
