/** The dpo section's cross-field rules for the loss types: weights, label smoothing, AOT's batch. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DPO_LOSS_TYPES, parseConfig } from '../../src/config/index.js';
import { errorOf, noEnv } from '../helpers/config-error.js';

const MINIMAL = 'model:\n  name_or_path: m\ndata:\n  dataset_path: d.jsonl\ntraining:\n  algorithm: dpo\n  per_device_train_batch_size: 4\n';
const dpo = (lines: string) => `${MINIMAL}dpo:\n${lines}`;

test('every TRL loss type parses, alone and in a weighted list, with discopop_tau', () => {
  for (const t of DPO_LOSS_TYPES) {
    const eps = t === 'robust' || t === 'exo_pair' ? '  label_smoothing: 0.001\n' : '';
    assert.equal(parseConfig(dpo(`  loss_type: ${t}\n${eps}`), noEnv).dpo.loss_type, t);
  }
  const c = parseConfig(dpo('  loss_type: [exo_pair, bco_pair, aot, discopop]\n  loss_weights: [1, 0.5, 0.5, 2]\n  label_smoothing: 0.001\n  discopop_tau: 0.1\n'), noEnv);
  assert.deepEqual(c.dpo.loss_type, ['exo_pair', 'bco_pair', 'aot', 'discopop']);
  assert.equal(c.dpo.discopop_tau, 0.1);
  assert.equal(parseConfig(MINIMAL, noEnv).dpo.discopop_tau, 0.05);
});

test('exo_pair and robust need label_smoothing > 0, quoting the value', () => {
  assert.match(errorOf(dpo('  loss_type: exo_pair\n')).message, /dpo\.loss_type exo_pair needs dpo\.label_smoothing in \(0, 0\.5\), got 0 \(the EXO paper uses 1e-3\)/);
  assert.match(errorOf(dpo('  loss_type: [sigmoid, robust]\n')).message, /dpo\.loss_type robust needs dpo\.label_smoothing in \(0, 0\.5\), got 0/);
});

test('label_smoothing that every chosen loss type ignores is refused', () => {
  const err = errorOf(dpo('  loss_type: [bco_pair, ipo]\n  label_smoothing: 0.1\n'));
  assert.match(err.message, /dpo\.label_smoothing is 0\.1, but dpo\.loss_type \(bco_pair, ipo\) ignores it; only sigmoid, robust, exo_pair, aot, aot_unpaired read it/);
  assert.equal(parseConfig(dpo('  loss_type: [bco_pair, aot]\n  label_smoothing: 0.1\n'), noEnv).dpo.label_smoothing, 0.1);
});

test('aot needs a micro-batch of more than one pair to sort; discopop_tau must be positive; weights count', () => {
  const one = errorOf(`${MINIMAL.replace('per_device_train_batch_size: 4', 'per_device_train_batch_size: 1')}dpo:\n  loss_type: [sigmoid, aot_unpaired]\n`);
  assert.match(one.message, /dpo\.loss_type aot_unpaired sorts the pairs' log-ratios within each micro-batch, but training\.per_device_train_batch_size is 1/);
  assert.match(errorOf(dpo('  loss_type: discopop\n  discopop_tau: 0\n')).message, /dpo\.discopop_tau: expected a positive number, got 0/);
  assert.match(errorOf(dpo('  loss_type: [apo_zero, apo_down]\n  loss_weights: [1]\n')).message, /dpo\.loss_weights has 1 weights for 2 loss types \(apo_zero, apo_down\)/);
});
