/** sftLossSum: the shifted, summed completion cross entropy, with half-precision logits upcast as transformers does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sftLossSum } from '../../src/rl/sft.js';
import { manualSeed, randn, tensor, tidy } from '../../src/tensor/index.js';

test('the shifted sum counts only labelled targets: a hand-worked 1 x 3 x 2 case', () => {
  tidy(() => {
    // position 0 predicts label[1] = 1 from logits [0, ln 3]: -log(3/4); position 1 predicts label[2] = -100: ignored.
    const logits = tensor([[[0, Math.log(3)], [5, -5], [0, 0]]], { dtype: 'float64' });
    const { loss, numTokens } = sftLossSum(logits, tensor([[-100, 1, -100]]));
    assert.equal(numTokens, 1);
    assert.ok(Math.abs(loss.item() - -Math.log(3 / 4)) < 1e-12, `${loss.item()}`);
  });
});

test('bfloat16 logits are summed in float32: the loss equals the float32 loss of the same (rounded) logits', () => {
  tidy(() => {
    manualSeed(0);
    const logits = randn([4, 64, 32]).mul(3).to('bfloat16');
    const labels = randn([4, 64]).abs().mul(10).floor().to('int64');
    const half = sftLossSum(logits, labels).loss;
    const exact = sftLossSum(logits.to('float32'), labels).loss;
    assert.equal(half.dtype, 'float32');
    assert.equal(half.item(), exact.item());
  });
});
