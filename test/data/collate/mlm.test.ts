/**
 * MLM masking (transformers' DataCollatorForLanguageModeling semantics) and next-sentence pairs:
 * the selected share and the 80/10/10 split within binomial bounds on a large batch, special
 * tokens never selected, reproducible for a seed, whole words masked together; NSP pairs laid out
 * as [CLS] A [SEP] B [SEP] with token types, B the true next segment for label 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildNspExamples, maskTokens, segmentsOf, wordStartsOf } from '../../../src/data/index.js';

const within = (count: number, n: number, p: number, what: string) => {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(count - n * p) < 5 * sd, `${what}: ${count} of ${n}, expected ${(n * p).toFixed(0)} ± ${(5 * sd).toFixed(0)}`);
};

test('maskTokens: 15% of the ordinary tokens selected, 80% of them [MASK], 10% random, 10% kept; specials never', () => {
  const SPECIAL = [0, 1, 2];
  const rows = Array.from({ length: 400 }, (_, b) => [1, ...Array.from({ length: 98 }, (_, t) => 10 + ((b * 7 + t * 13) % 90)), 2]);
  const out = maskTokens(rows, { maskTokenId: 3, vocabSize: 100, specialIds: SPECIAL, seed: 11 });
  let selected = 0;
  let asMask = 0;
  let kept = 0;
  let changed = 0;
  rows.forEach((row, b) => row.forEach((id, t) => {
    const label = out.labels[b]?.[t] as number;
    const input = out.inputIds[b]?.[t] as number;
    if (SPECIAL.includes(id)) {
      assert.equal(label, -100);
      assert.equal(input, id);
      return;
    }
    if (label === -100) {
      assert.equal(input, id, 'an unselected token stays');
      return;
    }
    assert.equal(label, id);
    selected += 1;
    if (input === 3) asMask += 1;
    else if (input === id) kept += 1;
    else changed += 1;
  }));
  assert.equal(out.numMasked, selected);
  within(selected, 400 * 98, 0.15, 'selected');
  within(asMask, selected, 0.8, '[MASK]');
  // Random replacements land on the original id 1 time in 100: "kept" holds 10% + 0.1% of the selected.
  within(changed, selected, 0.1 * 0.99, 'random');
  within(kept, selected, 0.1 + 0.001, 'kept');
  assert.deepEqual(maskTokens(rows, { maskTokenId: 3, vocabSize: 100, specialIds: SPECIAL, seed: 11 }), out);
  assert.notDeepEqual(maskTokens(rows, { maskTokenId: 3, vocabSize: 100, specialIds: SPECIAL, seed: 12 }).labels, out.labels);
});

test('whole-word masking selects every sub-word of a word together (WordPiece ## and byte-level Ġ)', () => {
  const vocab = ['[CLS]', '[SEP]', 'un', '##believ', '##able', 'story', 'Ġthe', 'Ġcat', 'sat', 'Ġon'];
  const tok = (id: number) => vocab[id];
  assert.deepEqual(wordStartsOf([0, 2, 3, 4, 5, 1], tok, [0, 1]), [true, true, false, false, true, true]);
  assert.deepEqual(wordStartsOf([6, 7, 8, 9], tok, []), [true, true, false, true]);
  const rows = Array.from({ length: 300 }, () => [0, 2, 3, 4, 5, 1]);
  const starts = rows.map((r) => wordStartsOf(r, tok, [0, 1]));
  const out = maskTokens(rows, { maskTokenId: 9, vocabSize: 10, specialIds: [0, 1], maskProb: 0.5, wordStarts: starts, seed: 3 });
  let words = 0;
  for (const labels of out.labels) {
    const sub = [labels[1], labels[2], labels[3]].map((l) => l !== -100);
    assert.ok(sub.every((s) => s === sub[0]), `a word split: ${labels}`);
    if (sub[0]) words += 1;
  }
  within(words, 300, 0.5, 'words selected');
});

test('NSP pairs: [CLS] A [SEP] B [SEP], token types 0 then 1, label 0 when B continues A, about half random, within maxLength', () => {
  // 40 documents of 6 segments; segment ids encode (document, segment) so continuity can be checked.
  const docs = Array.from({ length: 40 }, (_, d) => Array.from({ length: 6 }, (_, s) => [100 + d * 10 + s, 100 + d * 10 + s]));
  const pairs = buildNspExamples(docs, { maxLength: 12, clsId: 1, sepId: 2, seed: 5 });
  assert.ok(pairs.length > 40);
  let random = 0;
  for (const p of pairs) {
    assert.ok(p.inputIds.length <= 12);
    assert.equal(p.inputIds[0], 1);
    assert.equal(p.inputIds.at(-1), 2);
    const sepAt = p.inputIds.indexOf(2);
    assert.deepEqual(p.tokenTypeIds, p.inputIds.map((_, i) => (i <= sepAt ? 0 : 1)));
    const a = p.inputIds.slice(1, sepAt);
    const b = p.inputIds.slice(sepAt + 1, -1);
    const docOf = (id: number) => Math.floor((id - 100) / 10);
    if (p.nextSentenceLabel === 0) {
      assert.equal(docOf(b[0] as number), docOf(a.at(-1) as number), 'B comes from A\'s document');
      assert.ok((b[0] as number) >= (a.at(-1) as number), 'B follows A');
    } else {
      random += 1;
    }
  }
  within(random, pairs.length, 0.5, 'random B');
  assert.deepEqual(segmentsOf('One. Two!  Three?'), ['One.', 'Two!', 'Three?']);
  assert.deepEqual(segmentsOf('第一句。第二句！'), ['第一句。', '第二句！']);
  assert.deepEqual(segmentsOf('line one\nline two. still two'), ['line one', 'line two. still two']);
});
