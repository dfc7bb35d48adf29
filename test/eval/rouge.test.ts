/** ROUGE-L against rouge-score (test/fixtures/metrics/text_metrics.json). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusRougeL, lcsLength, rougeL, rougeTokenize, tokenizeChars } from '../../src/eval/index.js';
import { fixtureJson } from './fixtures.js';

const en = fixtureJson('metrics/text_metrics.json').en;

test('ROUGE-L precision, recall and F1 of each pair and their mean equal rouge-score within 1e-6', () => {
  const r = corpusRougeL(en.references, en.hypotheses);
  en.rougeL_per_pair.forEach((expected: { precision: number; recall: number; f1: number }, i: number) => {
    const got = r.perPair[i]!;
    for (const key of ['precision', 'recall', 'f1'] as const) {
      assert.ok(Math.abs(got[key] - expected[key]) <= 1e-6, `pair ${i} ${key}: ${got[key]} vs ${expected[key]}`);
    }
  });
  assert.ok(Math.abs(r.f1 - en.rougeL_f1_mean) <= 1e-6, `mean F1 ${r.f1} vs ${en.rougeL_f1_mean}`);
  assert.equal(r.f1.toFixed(8), '0.61644356');
});

test("rouge-score's tokenizer lowercases, splits on non-alphanumerics and drops non-ASCII letters", () => {
  assert.deepEqual(rougeTokenize("RLHF's data, v2.0 — naïve 机器"), ['rlhf', 's', 'data', 'v2', '0', 'na', 've']);
  // Argument order matters: precision is over the prediction, recall over the reference.
  assert.deepEqual(rougeL('a b c d', 'a c'), { precision: 1, recall: 0.5, f1: 2 / 3 });
  assert.deepEqual(rougeL('机器学习', '机器学习'), { precision: 0, recall: 0, f1: 0 });
  const zh = rougeL('机器学习很有趣', '机器学习有趣', { tokenize: tokenizeChars });
  assert.deepEqual([zh.precision, zh.recall], [1, 6 / 7]);
});

test('lcsLength is the longest common subsequence, not substring', () => {
  assert.equal(lcsLength(['a', 'x', 'b', 'y', 'c'], ['a', 'b', 'c']), 3);
  assert.equal(lcsLength(['a', 'b'], ['b', 'a']), 1);
  assert.equal(lcsLength([], ['a']), 0);
  assert.throws(() => corpusRougeL(['a'], []), /1 references but 0 predictions/);
});
