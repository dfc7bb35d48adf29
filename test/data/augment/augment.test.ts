/** Text and token-id augmentations: exact outputs for fixed seeds, rates within binomial bounds, never empty. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentText, augmentTokenIds, joinUnits, parseAugmentations, splitUnits, textAugmenter, tokenAugmenter, type AugmentationInput } from '../../../src/data/augment/index.js';
import { seededRandom } from '../../../src/data/collate/sampler.js';

const EN = 'Contrastive learning pulls two views of one sentence together.';
const ZH = 'LoRA 是一种低秩适配方法，能减少可训练参数。';

test('units: words split on whitespace, each CJK character alone; untouched text joins back unchanged', () => {
  assert.deepEqual(splitUnits('LoRA 是低秩适配。').map((u) => u.text), ['LoRA', '是', '低', '秩', '适', '配', '。']);
  assert.deepEqual(splitUnits('日本語のテキスト').map((u) => u.text).length, 8);
  assert.deepEqual(splitUnits('한국어 문장 입니다').map((u) => u.text), ['한국어', '문장', '입니다'], 'Hangul words keep their spaces');
  for (const text of [EN, ZH, 'a  b\nc\td', '我爱Python和TypeScript！', 'x']) assert.equal(joinUnits(splitUnits(text)), text);
  assert.equal(joinUnits(splitUnits('  padded  ')), 'padded', 'whitespace at the ends belongs to no unit');
  assert.deepEqual(splitUnits('   '), []);
});

test('fixed seeds give these exact views (EN words, ZH characters)', () => {
  const cases: [AugmentationInput[], string, string][] = [
    [[{ type: 'random_mask', prob: 0.3 }], 'Contrastive [MASK] pulls two views [MASK] one sentence together.', 'LoRA 是一[MASK]低[MASK][MASK]配[MASK]法，[MASK][MASK][MASK]可训练[MASK][MASK]。'],
    [[{ type: 'random_delete', prob: 0.3 }], 'Contrastive pulls two views one sentence together.', 'LoRA 是一低配法，可训练。'],
    [[{ type: 'random_swap', prob: 0.3 }], 'Contrastive pulls learning two views one of sentence together.', 'LoRA 是一低种适配秩法方，减少可能训练数。参'],
    [[{ type: 'random_swap', prob: 0.3, mode: 'random' }], 'Contrastive of pulls two learning views one sentence together.', 'LoRA 方种，是秩。法低配适能减可数训练参少一'],
    [[{ type: 'random_crop', ratio: 0.5 }], 'two views of one sentence', 'LoRA 是一种低秩适配方法'],
  ];
  for (const [spec, en, zh] of cases) {
    const augment = textAugmenter(spec, { seed: 1 });
    assert.deepEqual([augment(EN), augment(ZH)], [en, zh], JSON.stringify(spec));
  }
  const chain: AugmentationInput[] = [{ type: 'random_crop', ratio: 0.8 }, { type: 'random_delete', prob: 0.1 }, { type: 'random_mask', prob: 0.15, mask: '<mask>' }];
  const a = textAugmenter(chain, { seed: 42 });
  const b = textAugmenter(chain, { seed: 42 });
  const views = [a(EN), a(EN)];
  assert.deepEqual([b(EN), b(EN)], views, 'the same seed gives the same sequence of views');
  assert.notEqual(views[0], views[1], 'two views of one text differ');
  assert.equal(augmentText(EN, chain, seededRandom(42)), views[0]);
});

test('token ids: the same operations with an id mask', () => {
  const ids = Array.from({ length: 12 }, (_, i) => 100 + i);
  const masked = augmentTokenIds(ids, [{ type: 'random_mask', prob: 0.5, mask: 4 }], seededRandom(3));
  assert.equal(masked.length, 12);
  assert.ok(masked.every((id, i) => id === 4 || id === ids[i]));
  assert.ok(masked.includes(4) && masked.some((id) => id !== 4));
  const crop = tokenAugmenter([{ type: 'random_crop', ratio: 0.25 }], { seed: 5 })(ids);
  assert.equal(crop.length, 3);
  assert.deepEqual(crop, ids.slice(crop[0]! - 100, crop[0]! - 100 + 3), 'one contiguous span');
  assert.deepEqual(augmentTokenIds([], [{ type: 'random_delete', prob: 1 }], seededRandom(0)), []);
  assert.throws(() => tokenAugmenter([{ type: 'random_mask', prob: 0.1 }]), /mask '\[MASK\]' is a string; token-id augmentation needs its id \(tokenizer.tokenToId\('\[MASK\]'\)\)/);
  assert.throws(() => textAugmenter([{ type: 'random_mask', prob: 0.1, mask: 103 }]), /mask 103 is a token id; text augmentation needs the mask as a string/);
});

/** |x − np| within 5 standard deviations of Binomial(n, p): fails by chance with probability < 1e-6. */
function assertBinomial(x: number, n: number, p: number, what: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(x - n * p) <= 5 * sd, `${what}: ${x} of ${n}, expected ${n * p} ± ${(5 * sd).toFixed(1)}`);
}

test('rates on 20 000 units stay within binomial bounds', () => {
  const n = 20_000;
  const ids = Array.from({ length: n }, (_, i) => i + 10);
  for (const p of [0.05, 0.15, 0.5]) {
    const masked = augmentTokenIds(ids, [{ type: 'random_mask', prob: p, mask: 0 }], seededRandom(11)).filter((id) => id === 0).length;
    assertBinomial(masked, n, p, `random_mask ${p}`);
    const deleted = n - augmentTokenIds(ids, [{ type: 'random_delete', prob: p }], seededRandom(12)).length;
    assertBinomial(deleted, n, p, `random_delete ${p}`);
    // Adjacent swaps of distinct ids: each swap event moves a left element one step right, never further unless chained.
    const swapped = augmentTokenIds(ids, [{ type: 'random_swap', prob: p }], seededRandom(13));
    const moved = swapped.filter((id, i) => id !== ids[i]).length;
    assert.ok(moved > 0 && moved <= 2 * n * p + 10 * Math.sqrt(n), `random_swap ${p}: ${moved} positions moved`);
    assert.deepEqual([...swapped].sort((a, b) => a - b), ids, 'a swap only reorders');
  }
  const words = Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' ');
  const maskedWords = augmentText(words, [{ type: 'random_mask', prob: 0.2 }], seededRandom(14)).split(' ').filter((w) => w === '[MASK]').length;
  assertBinomial(maskedWords, 2000, 0.2, 'random_mask on words');
});

test('never empty: deleting everything keeps one unit, a crop keeps at least one, masks keep the length', () => {
  for (let seed = 0; seed < 50; seed++) {
    const r = seededRandom(seed);
    const all = augmentText('one two three', [{ type: 'random_delete', prob: 1 }], r);
    assert.ok(['one', 'two', 'three'].includes(all), all);
    assert.equal(augmentText('可训练', [{ type: 'random_delete', prob: 1 }], r).length, 1);
    assert.ok(augmentText('a b c d', [{ type: 'random_crop', ratio: 0.01 }, { type: 'random_delete', prob: 0.9 }], r).length > 0);
    assert.equal(augmentText('a b', [{ type: 'random_mask', prob: 1 }], r), '[MASK] [MASK]');
  }
  assert.equal(augmentText('', [{ type: 'random_delete', prob: 1 }], seededRandom(0)), '');
  assert.equal(augmentText('same', [], seededRandom(0)), 'same');
  assert.equal(augmentText(EN, [{ type: 'random_mask', prob: 0 }, { type: 'random_crop', ratio: 1 }], seededRandom(0)), EN);
});

test('parseAugmentations fills defaults and names every bad entry with its value', () => {
  assert.deepEqual(parseAugmentations([{ type: 'random_mask', prob: 0.1 }, { type: 'random_swap', prob: 0.2 }]), [
    { type: 'random_mask', prob: 0.1, mask: '[MASK]' },
    { type: 'random_swap', prob: 0.2, mode: 'adjacent' },
  ]);
  assert.throws(
    () => parseAugmentations([{ type: 'random_mask', prob: 2 }, { type: 'shuffle' }, { type: 'random_crop', ratio: 0 }]),
    (err: Error) =>
      /augmentations\[0\]\.prob: .*<=1 \(got 2\)/.test(err.message) &&
      /augmentations\[1\]\.type: .*\(got "shuffle"\)/.test(err.message) &&
      /augmentations\[2\]\.ratio: .*\(got 0\)/.test(err.message) &&
      /types: random_mask, random_delete, random_swap, random_crop/.test(err.message),
  );
  assert.throws(() => parseAugmentations([{ type: 'random_delete', prob: 0.1, p: 1 }]), /Unrecognized key: "p"/);
});
