import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grpoLoss } from '../../../src/rl/index.js';
import { tensor, tidy } from '../../../src/tensor/index.js';
import { scoresAtLastToken } from '../../../src/trainers/online/index.js';

test('GSPO: one length-normalised ratio per sequence, shared by its tokens', () => {
  tidy(() => {
    const logps = tensor([[-1.0, -2.0, -3.0]], { dtype: 'float32' });
    const old = tensor([[-1.2, -2.1, -2.0]], { dtype: 'float32' });
    const mask = tensor([[1, 1, 0]], { dtype: 'float32' });
    const advantages = tensor([1.0], { dtype: 'float32' });
    const seq = grpoLoss({ perTokenLogps: logps, oldPerTokenLogps: old, advantages, completionMask: mask }, { importanceSamplingLevel: 'sequence', epsilonLow: 0.5, lossType: 'bnpo' });
    const ratio = Math.exp((0.2 + 0.1) / 2);
    assert.ok(Math.abs(seq.loss.item() + ratio) < 1e-6, `${seq.loss.item()} vs ${-ratio}`);
    const tok = grpoLoss({ perTokenLogps: logps, oldPerTokenLogps: old, advantages, completionMask: mask }, { epsilonLow: 0.5, lossType: 'bnpo' });
    assert.ok(Math.abs(tok.loss.item() + (Math.exp(0.2) + Math.exp(0.1)) / 2) < 1e-6);
  });
});

test('ppo: the sequence score lands on the last real completion token (the EOS), not one past it', () => {
  tidy(() => {
    // Completions of 3 (…, EOS) and 1 token, padded to 4.
    assert.deepEqual(scoresAtLastToken([3, 1], [2.5, -1], 4).toArray(), [[0, 0, 2.5, 0], [-1, 0, 0, 0]]);
  });
});
