import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collatePacked, packExamples, type TokenizedExample } from '../../../src/data/index.js';
import { fromPretrained } from '../../../src/models/index.js';
import { noGrad, tensor, tidy } from '../../../src/tensor/index.js';

const ex = (ids: number[], promptLength = 1): TokenizedExample => ({
  inputIds: ids,
  labels: ids.map((id, t) => (t < promptLength ? -100 : id)),
  completionMask: ids.map((_, t) => (t < promptLength ? 0 : 1)),
  promptLength,
  truncated: false,
});

test('packExamples: best-fit decreasing keeps every token, restarts positions and cuts labels at boundaries', () => {
  const examples = [ex([10, 11, 12]), ex([20, 21, 22, 23, 24, 25]), ex([30, 31]), ex([40, 41, 42, 43])];
  const rows = packExamples(examples, 8);
  // 6 goes first (row 1), 4 opens row 2, 3 fits row 2 (4+3=7), 2 fits row 1 (6+2=8).
  assert.deepEqual(rows.map((r) => r.inputIds), [[20, 21, 22, 23, 24, 25, 30, 31], [40, 41, 42, 43, 10, 11, 12]]);
  assert.deepEqual(rows.map((r) => r.positionIds), [[0, 1, 2, 3, 4, 5, 0, 1], [0, 1, 2, 3, 0, 1, 2]]);
  assert.deepEqual(rows[0]?.labels, [-100, 21, 22, 23, 24, 25, -100, 31]);
  assert.deepEqual(rows.map((r) => r.numExamples), [2, 2]);
  assert.throws(() => packExamples([ex([1, 2, 3])], 2), /example 0 has 3 tokens, more than maxLength 2/);
  const batch = collatePacked(rows, { padTokenId: 3 });
  assert.deepEqual(batch.inputIds.toArray(), [[20, 21, 22, 23, 24, 25, 30, 31], [40, 41, 42, 43, 10, 11, 12, 3]]);
  assert.deepEqual(batch.positionIds.toArray(), [[0, 1, 2, 3, 4, 5, 0, 1], [0, 1, 2, 3, 0, 1, 2, 0]]);
  assert.deepEqual((batch.labels.toArray() as number[][])[1], [-100, 41, 42, 43, -100, 11, 12, -100]);
});

test('packed rows give every example exactly the logits it gets alone (block-diagonal attention)', () => {
  const model = fromPretrained('test/fixtures/models/tiny-qwen2');
  const a = [5, 17, 42, 99, 7];
  const b = [60, 61, 62];
  tidy(() => noGrad(() => {
    const rows = packExamples([ex(a), ex(b)], 8);
    const batch = collatePacked(rows, { padTokenId: 3 });
    const packed = model.forward({ inputIds: batch.inputIds, positionIds: batch.positionIds }).logits;
    const alone = (ids: number[]) => model.forward({ inputIds: tensor([ids], { dtype: 'int64' }) }).logits.select(0, 0);
    const diffA = packed.select(0, 0).slice(0, 0, 5).sub(alone(a)).abs().max().item();
    const diffB = packed.select(0, 0).slice(0, 5, 8).sub(alone(b)).abs().max().item();
    assert.ok(diffA < 1e-5 && diffB < 1e-5, `${diffA} ${diffB}`);
    // Without the restart the second example would attend to the first: the logits differ.
    const unpackedPositions = model.forward({ inputIds: batch.inputIds }).logits.select(0, 0).slice(0, 5, 8);
    assert.ok(unpackedPositions.sub(alone(b)).abs().max().item() > 1e-3);
  }));
  model.dispose();
});
