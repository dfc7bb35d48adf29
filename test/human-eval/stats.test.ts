/** Wilson intervals and kappas against values worked out by hand and published examples. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cohensKappa, fleissKappa, pairwiseAgreement, wilsonInterval } from '../../src/human-eval/stats.js';

const close = (actual: number, expected: number, tol = 5e-4) => assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);

test('wilsonInterval: 8 of 10 and 0 of 10, by hand', () => {
  // p = 0.8, z² = 3.8415, 1 + z²/n = 1.38415
  // center = (0.8 + 3.8415/20) / 1.38415 = 0.71674; half = 1.96·sqrt(0.016 + 3.8415/400) / 1.38415 = 0.22658
  const eight = wilsonInterval(8, 10);
  close(eight.lower, 0.4902);
  close(eight.upper, 0.9433);
  // p = 0: center = half = (3.8415/20) / 1.38415 = 0.13877, so [0, 0.2775] — never below 0
  const zero = wilsonInterval(0, 10);
  assert.equal(zero.lower, 0);
  close(zero.upper, 0.2775);
  // symmetric: 2 of 10 mirrors 8 of 10
  const two = wilsonInterval(2, 10);
  close(two.lower, 1 - eight.upper, 1e-12);
  close(two.upper, 1 - eight.lower, 1e-12);
  // fractional successes (ties as half a win) are allowed
  close(wilsonInterval(2.5, 5).lower, 1 - wilsonInterval(2.5, 5).upper, 1e-12);
});

test('wilsonInterval rejects an empty sample and impossible counts', () => {
  assert.throws(() => wilsonInterval(0, 0), /n > 0, got 0/);
  assert.throws(() => wilsonInterval(11, 10), /0 <= successes <= n/);
});

test("cohensKappa: Wikipedia's 50 applications and a 3-item case by hand", () => {
  // Two readers of 50 grant proposals: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
  // p_o = 35/50 = 0.7; p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2/0.5 = 0.4.
  const first = [...Array(25).fill('yes'), ...Array(25).fill('no')] as string[];
  const second = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')] as string[];
  close(cohensKappa(first, second), 0.4, 1e-12);
  // p_o = 2/3; p_e = (2/3)(1/3) + (1/3)(2/3) = 4/9; κ = (2/9)/(5/9) = 0.4
  close(cohensKappa(['a', 'a', 'b'], ['a', 'b', 'b']), 0.4, 1e-12);
  // Perfect agreement over two labels: κ = 1; systematic disagreement: κ = -1.
  assert.equal(cohensKappa(['a', 'b'], ['a', 'b']), 1);
  assert.equal(cohensKappa(['a', 'b'], ['b', 'a']), -1);
  // One label only: p_e = 1, κ undefined.
  assert.ok(Number.isNaN(cohensKappa(['tie', 'tie'], ['tie', 'tie'])));
  assert.throws(() => cohensKappa(['a'], []), /equal-length/);
  assert.throws(() => cohensKappa([], []), /at least one item/);
});

test('fleissKappa: a 4-item case by hand and the Wikipedia 10×14 example', () => {
  // P_i = 1, 1, 1/3, 1/3 -> P̄ = 2/3; p = (0.5, 0.5) -> P_e = 0.5; κ = (2/3 − 1/2)/(1/2) = 1/3
  close(fleissKappa([[3, 0], [0, 3], [2, 1], [1, 2]]), 1 / 3, 1e-12);
  // Fleiss' kappa on Wikipedia: 10 subjects, 14 raters, 5 categories; P̄ = 0.378, P_e = 0.213, κ = 0.210.
  const table = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];
  close(fleissKappa(table), 0.21, 1e-3);
  close(pairwiseAgreement(table), 0.378, 1e-3);
  // Items with different numbers of raters: [[3,0]] P=1, [[1,1]] P=0 -> P̄ = 0.5; p = (4/5, 1/5), P_e = 0.68; κ = (0.5 − 0.68)/0.32
  close(fleissKappa([[3, 0], [1, 1]]), (0.5 - 0.68) / 0.32, 1e-12);
  assert.ok(Number.isNaN(fleissKappa([[2, 0], [3, 0]])));
  assert.throws(() => fleissKappa([[1, 0]]), /at least 2/);
  assert.throws(() => fleissKappa([]), /at least one item/);
});

test('pairwiseAgreement: the share of agreeing rater pairs, averaged over items', () => {
  // [3,0]: all 3 pairs agree -> 1; [2,1]: 1 of 3 pairs agree -> 1/3; mean 2/3
  close(pairwiseAgreement([[3, 0], [2, 1]]), 2 / 3, 1e-12);
  // Two raters: the share of items they agree on.
  assert.equal(pairwiseAgreement([[2, 0], [1, 1], [0, 2], [1, 1]]), 0.5);
});
