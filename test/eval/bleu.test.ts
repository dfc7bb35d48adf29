/** BLEU and its tokenizers against sacrebleu 2.6 (test/fixtures/metrics). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusBleu, sentenceBleu, tokenize13a, tokenizeZh, type BleuScore, type BleuSmoothing } from '../../src/eval/index.js';
import { fixtureJson } from './fixtures.js';

const text = fixtureJson('metrics/text_metrics.json');
const cases = fixtureJson('metrics/bleu_cases.json');

interface SacreScore { score: number; counts?: number[]; totals?: number[]; precisions: number[]; bp: number; sys_len?: number; ref_len?: number }

function assertMatches(actual: BleuScore, expected: SacreScore, what: string): void {
  assert.ok(Math.abs(actual.score - expected.score) <= 1e-6, `${what}: BLEU ${actual.score} vs sacrebleu ${expected.score}`);
  assert.ok(Math.abs(actual.bp - expected.bp) <= 1e-12, `${what}: bp ${actual.bp} vs ${expected.bp}`);
  actual.precisions.forEach((p, i) => assert.ok(Math.abs(p - (expected.precisions[i] as number)) <= 1e-9, `${what}: precision ${i + 1} ${p} vs ${expected.precisions[i]}`));
  if (expected.counts) assert.deepEqual(actual.counts, expected.counts, `${what}: counts`);
  if (expected.totals) assert.deepEqual(actual.totals, expected.totals, `${what}: totals`);
  if (expected.sys_len !== undefined) assert.equal(actual.sysLen, expected.sys_len, `${what}: sys_len`);
  if (expected.ref_len !== undefined) assert.equal(actual.refLen, expected.ref_len, `${what}: ref_len`);
}

test('corpus BLEU with the 13a tokenizer equals sacrebleu on the English fixture', () => {
  const en = text.en;
  const bleu = corpusBleu(en.hypotheses, [en.references]);
  assertMatches(bleu, { score: en.bleu, precisions: en.bleu_precisions, bp: en.bleu_bp, sys_len: en.sys_len, ref_len: en.ref_len }, 'en');
  assert.equal(bleu.score.toFixed(10), (25.501761337077497).toFixed(10));
  // A plain string[] is one reference set.
  assert.equal(corpusBleu(en.hypotheses, en.references).score, bleu.score);
});

test('corpus BLEU with the zh tokenizer equals sacrebleu on the Chinese fixture; 13a would not', () => {
  const zh = text.zh;
  const bleu = corpusBleu(zh.hypotheses, [zh.references], { tokenize: 'zh' });
  assertMatches(bleu, { score: zh.bleu_tokenize_zh, precisions: zh.bleu_precisions, bp: zh.bleu_bp }, 'zh');
  // 13a leaves each Chinese sentence as one token, so nothing matches.
  assert.equal(corpusBleu(zh.hypotheses, [zh.references]).score, 0);
});

test('sentence BLEU (effective order) equals sacrebleu', () => {
  const s = sentenceBleu(text.en.hypotheses[0], [text.en.references[0]]);
  assert.ok(Math.abs(s.score - text.sentence_bleu_en_0) <= 1e-6, `${s.score} vs ${text.sentence_bleu_en_0}`);
  assertMatches(sentenceBleu('it rains', ['it rains a lot', 'it is raining']), cases.cases.sentence_short, 'sentence_short');
  assertMatches(sentenceBleu(cases.hypotheses[2], [cases.references_a[2]]), cases.cases.sentence_3, 'sentence_3');
});

test('13a and zh tokenizers reproduce sacrebleu on punctuation, numbers, entities, whitespace and CJK ranges', () => {
  for (const c of cases.tokenize as Array<{ line: string; '13a': string; zh: string }>) {
    assert.equal(tokenize13a(c.line), c['13a'], `13a of ${JSON.stringify(c.line)}`);
    assert.equal(tokenizeZh(c.line), c.zh, `zh of ${JSON.stringify(c.line)}`);
  }
});

test('multiple references, lowercase, every smoothing method and degenerate corpora equal sacrebleu', () => {
  const { hypotheses: h, references_a: a, references_b: b } = cases;
  assertMatches(corpusBleu(h, [a, b]), cases.cases.two_refs_13a, 'two refs');
  assertMatches(corpusBleu(h, [a], { lowercase: true }), cases.cases.lowercase, 'lowercase');
  assertMatches(corpusBleu(h, [a], { smoothMethod: 'floor' }), cases.cases.floor, 'floor');
  assertMatches(corpusBleu(h, [a], { smoothMethod: 'add-k' }), cases.cases.add_k, 'add-k');
  assertMatches(corpusBleu(h, [a], { smoothMethod: 'none' }), cases.cases.none, 'none');
  for (const method of ['exp', 'floor', 'add-k', 'none'] as BleuSmoothing[]) {
    assertMatches(corpusBleu(cases.zero_4gram.hypotheses, cases.zero_4gram.references, { smoothMethod: method }), cases.cases[`zero_4gram_${method}`], `zero 4-gram ${method}`);
  }
  assertMatches(corpusBleu(['xyz qqq'], [['abc def ghi']]), cases.cases.no_match, 'no match');
  assertMatches(corpusBleu(['it rains'], [['it rains a lot']]), cases.cases.short_exp, 'no 3-grams');
});

test('corpusBleu rejects misaligned or empty input with the sizes in the message', () => {
  assert.throws(() => corpusBleu(['a', 'b'], [['a']]), /reference set 0 has 1 segments but there are 2 hypotheses/);
  assert.throws(() => corpusBleu([], []), /no hypotheses/);
  assert.throws(() => corpusBleu(['a'], ['a'], { tokenize: 'intl' as never }), /tokenize must be one of 13a, zh, none, got 'intl'/);
});
