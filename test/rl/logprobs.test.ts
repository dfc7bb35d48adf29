/** selectiveLogSoftmax and sequenceLogprobs against a JS reference and the golden preference log-probs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/index.js';
import { dpoLoss, selectiveLogSoftmax, sequenceLogprobs } from '../../src/rl/index.js';
import { assertClose, nest, rng, scoped, uniform } from '../helpers/assert.js';
import { rlFixtures } from './fixture.js';

function logSoftmaxAt(row: number[], k: number): number {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return (row[k] as number) - lse;
}

test('selectiveLogSoftmax equals log_softmax then gather (float32, float64, bfloat16 path)', scoped(() => {
  const [B, T, V] = [2, 3, 7];
  const vals = uniform(B * T * V, 1, -5, 5);
  const r = rng(2);
  const labels = Array.from({ length: B * T }, () => Math.floor(r() * V));
  const expected = labels.map((k, i) => logSoftmaxAt(vals.slice(i * V, (i + 1) * V), k));
  const lab = tensor(nest(labels, [B, T]), { dtype: 'int64' });
  for (const dtype of ['float64', 'float32'] as const) {
    const out = selectiveLogSoftmax(tensor(nest(vals, [B, T, V]), { dtype }), lab);
    assert.equal(out.dtype, dtype);
    assertClose(out, nest(expected, [B, T]), { atol: dtype === 'float64' ? 1e-12 : 1e-5 });
  }
  const bf = selectiveLogSoftmax(tensor(nest(vals, [B, T, V]), { dtype: 'bfloat16' }), lab);
  assert.equal(bf.dtype, 'bfloat16');
  assertClose(bf.float(), nest(expected, [B, T]), { atol: 0.1 });
  // overflow-safe: huge logits
  const big = selectiveLogSoftmax(tensor([[1e30, 0]], { dtype: 'float32' }), tensor([0]));
  assertClose(big, [0]);
  assert.throws(() => selectiveLogSoftmax(tensor(nest(vals, [B, T, V])), tensor([0, 1])), /labels shape/);
}));

test('sequenceLogprobs shifts by one and sums over the completion (small hand-made case)', scoped(() => {
  const [B, T, V] = [2, 4, 5];
  const vals = uniform(B * T * V, 3, -3, 3);
  const ids = [[1, 4, 2, 0], [3, 3, 1, -100]];
  const mask = [[0, 1, 1, 0], [0, 0, 1, 0]];
  const per: number[][] = ids.map((row, b) =>
    Array.from({ length: T - 1 }, (_, t) => (mask[b]![t + 1] ? logSoftmaxAt(vals.slice((b * T + t) * V, (b * T + t + 1) * V), row[t + 1]!) : 0)),
  );
  const out = sequenceLogprobs(tensor(nest(vals, [B, T, V]), { dtype: 'float64' }), tensor(ids), tensor(mask));
  assertClose(out.perTokenLogps, per, { atol: 1e-12 });
  assertClose(out.logps, per.map((r) => r.reduce((a, v) => a + v, 0)), { atol: 1e-12 });
  assertClose(out.numTokens, [2, 1]);
  assert.throws(() => sequenceLogprobs(tensor(nest(vals, [B, T, V])), tensor(ids), tensor([[0, 1, 1, 0], [1, 0, 0, 0]])), /at least one/);
}));

test('sequenceLogprobs reproduces the golden preference log-probs (TRL DPOTrainer)', scoped(() => {
  const fx = rlFixtures().preference;
  const ids = fx.input_ids as number[][];
  const mask = fx.completion_mask as number[][];
  const B = ids.length;
  const T = ids[0]!.length;
  const V = 512;
  for (const model of ['reference_initial', 'policy_perturbed'] as const) {
    const lp = fx.logps[model];
    const per = lp.per_token_logps_shifted as number[][];
    // Logits whose log-softmax at the next token equals the golden per-token log-prob: all 0
    // except x at the label, x − log(eˣ + V − 1) = lp  ⇔  x = lp + log(V − 1) − log(1 − eˡᵖ).
    const logits = new Float64Array(B * T * V);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t + 1 < T; t++) {
        if (!mask[b]![t + 1]) continue;
        const target = per[b]![t]!;
        logits[(b * T + t) * V + ids[b]![t + 1]!] = target + Math.log(V - 1) - Math.log(-Math.expm1(target));
      }
    }
    const out = sequenceLogprobs(tensor(logits, { shape: [B, T, V] }), tensor(ids), tensor(mask));
    assertClose(out.perTokenLogps, per, { atol: 1e-9, msg: model });
    const sums = out.logps.toArray() as number[];
    assertClose(sums.slice(0, 2), lp.chosen_logps_float64, { atol: 1e-9, msg: `${model} chosen` });
    assertClose(sums.slice(2), lp.rejected_logps_float64, { atol: 1e-9, msg: `${model} rejected` });
    assertClose(sums.slice(0, 2), lp.chosen_logps, { atol: 1e-4, msg: `${model} chosen (float32 TRL)` });
  }
  // the end-to-end chain: sequence log-probs into the DPO loss
  const logps = (model: string): number[] =>
    [...fx.logps[model].chosen_logps_float64, ...fx.logps[model].rejected_logps_float64] as number[];
  const p = logps('policy_perturbed');
  const r = logps('reference_initial');
  const out = dpoLoss({
    policyChosenLogps: tensor(p.slice(0, 2), { dtype: 'float64' }), policyRejectedLogps: tensor(p.slice(2), { dtype: 'float64' }),
    refChosenLogps: tensor(r.slice(0, 2), { dtype: 'float64' }), refRejectedLogps: tensor(r.slice(2), { dtype: 'float64' }),
  }, { beta: 0.1 });
  assertClose(out.loss, rlFixtures().dpo.cases.policy_perturbed.sigmoid.loss_trl, { atol: 1e-5 });
}));
