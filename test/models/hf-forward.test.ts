/** Forward passes of the tiny Qwen2/Llama checkpoints against transformers' own numbers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, tensor, type Tensor } from '../../src/index.js';
import { loadSafetensors } from '../../src/io/index.js';
import { fromPretrained } from '../../src/models/index.js';
import { scoped } from '../helpers/assert.js';
import { forwardGolden, golden, maxErrAtRealPositions, modelDir } from './model-fixtures.js';

function causalLmLoss(logits: Tensor, ids: Tensor, mask: Tensor): number {
  const labels = ids.maskedFill(mask.eq(0), -100);
  const vocab = logits.size(-1);
  return F.crossEntropy(logits.slice(1, 0, -1).reshape(-1, vocab), labels.slice(1, 1).reshape(-1)).item();
}

for (const name of ['tiny-qwen2', 'tiny-llama'] as const) {
  test(`${name}: logits, last-token log-softmax and causal LM loss match transformers (float32)`, scoped(() => {
    const g = forwardGolden(name);
    const lm = fromPretrained(modelDir(name));
    const ids = tensor(g.input_ids, { dtype: 'int64' });
    const mask = tensor(g.attention_mask, { dtype: 'int64' });
    const { logits } = lm.forward({ inputIds: ids, attentionMask: mask });
    assert.deepEqual(logits.shape, [2, 23, 512]);
    const err = maxErrAtRealPositions(logits.slice(-1, 0, 8).toArray() as number[][][], g.float32.logits_first8, g.attention_mask);
    assert.ok(err < 1e-4, `logits differ by ${err}`);
    g.float32.last_token_index.forEach((t, b) => {
      const got = logits.select(0, b).select(0, t).logSoftmax(-1).flatValues() as number[];
      const want = g.float32.last_token_log_softmax[b] as number[];
      const e = Math.max(...got.map((v, i) => Math.abs(v - (want[i] as number))));
      assert.ok(e < 1e-4, `row ${b}: log-softmax differs by ${e}`);
    });
    const loss = causalLmLoss(logits, ids, mask);
    assert.ok(Math.abs(loss - g.float32.causal_lm_loss) < 1e-5, `loss ${loss} vs ${g.float32.causal_lm_loss}`);
    lm.dispose();
  }));
}

test('tiny-qwen2 in float64 matches transformers float64 logits and loss', scoped(() => {
  const g = forwardGolden('tiny-qwen2');
  const lm = fromPretrained(modelDir('tiny-qwen2'), { dtype: 'float64' });
  const ids = tensor(g.input_ids, { dtype: 'int64' });
  const mask = tensor(g.attention_mask, { dtype: 'int64' });
  const { logits } = lm.forward({ inputIds: ids, attentionMask: mask });
  assert.equal(logits.dtype, 'float64');
  const err = maxErrAtRealPositions(logits.slice(-1, 0, 8).toArray() as number[][][], g.float64.logits_first8, g.attention_mask);
  assert.ok(err < 1e-5, `float64 logits differ by ${err}`);
  assert.ok(Math.abs(causalLmLoss(logits, ids, mask) - g.float64.causal_lm_loss) < 1e-6);
  lm.dispose();
}));

test('weights from a second safetensors file (policy-perturbed) give its golden logits', scoped(() => {
  const dir = modelDir('tiny-qwen2');
  const g = forwardGolden('tiny-qwen2');
  const perturbed = (golden('tiny-qwen2').forward_policy_perturbed as { float32: { logits_first8: number[][][]; causal_lm_loss: number } }).float32;
  const lm = fromPretrained(dir);
  const state = loadSafetensors(`${dir}/policy-perturbed.safetensors`);
  lm.loadStateDict(state);
  for (const t of state.values()) t.dispose();
  const ids = tensor(g.input_ids, { dtype: 'int64' });
  const mask = tensor(g.attention_mask, { dtype: 'int64' });
  const { logits } = lm.forward({ inputIds: ids, attentionMask: mask });
  const err = maxErrAtRealPositions(logits.slice(-1, 0, 8).toArray() as number[][][], perturbed.logits_first8, g.attention_mask);
  assert.ok(err < 1e-4, `perturbed logits differ by ${err}`);
  assert.ok(Math.abs(causalLmLoss(logits, ids, mask) - perturbed.causal_lm_loss) < 1e-5);
  lm.dispose();
}));

test('bfloat16 loading keeps bfloat16 parameters and stays close to float32', scoped(() => {
  const g = forwardGolden('tiny-qwen2');
  const lm = fromPretrained(modelDir('tiny-qwen2'), { dtype: 'bfloat16' });
  assert.ok(lm.parameters().every((p) => p.dtype === 'bfloat16'));
  const { logits } = lm.forward({ inputIds: tensor(g.input_ids, { dtype: 'int64' }), attentionMask: tensor(g.attention_mask, { dtype: 'int64' }) });
  assert.equal(logits.dtype, 'bfloat16');
  const err = maxErrAtRealPositions(logits.float().slice(-1, 0, 8).toArray() as number[][][], g.float32.logits_first8, g.attention_mask);
  assert.ok(err < 0.1, `bfloat16 logits differ from float32 by ${err}`);
  lm.dispose();
}));
