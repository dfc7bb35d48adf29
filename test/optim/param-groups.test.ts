import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensor } from '../../src/index.js';
import { AdamW, SGD } from '../../src/optim/index.js';
import { assertClose, flat, refAdam, refSgd, setGrad } from './reference.js';

const GRADS = [
  [0.5, -1.0, 2.0],
  [0.25, 0.5, -0.75],
  [-1.0, 0.1, 0.3],
];

test('AdamW groups: each group uses its own lr and weight decay, unset options come from the defaults', () => {
  const a = tensor([1.0, -2.0, 0.5], { dtype: 'float64', requiresGrad: true });
  const b = tensor([1.0, -2.0, 0.5], { dtype: 'float64', requiresGrad: true });
  const opt = new AdamW(
    [
      { params: [a], weightDecay: 0.1 },
      { params: [b], lr: 0.05, weightDecay: 0 },
    ],
    { lr: 0.01, betas: [0.9, 0.99] },
  );
  assert.equal(opt.paramGroups[0]!.lr, 0.01);
  assert.deepEqual(opt.paramGroups[1]!.betas, [0.9, 0.99]);
  for (const g of GRADS) {
    setGrad(a, g);
    setGrad(b, g);
    opt.step();
  }
  const base = { betas: [0.9, 0.99] as const, eps: 1e-8, amsgrad: false, decoupled: true };
  assertClose(flat(a), refAdam([1, -2, 0.5], GRADS, { ...base, lr: 0.01, weightDecay: 0.1 })[2]!, 1e-12, 'group 0');
  assertClose(flat(b), refAdam([1, -2, 0.5], GRADS, { ...base, lr: 0.05, weightDecay: 0 })[2]!, 1e-12, 'group 1');
  assert.ok(Math.abs(flat(a)[0]! - flat(b)[0]!) > 1e-3, 'the two groups must have moved differently');
  opt.dispose();
  a.dispose();
  b.dispose();
});

test('SGD groups, and an lr edited between steps takes effect on the next step', () => {
  const a = tensor([1.0, 2.0, 3.0], { dtype: 'float64', requiresGrad: true });
  const b = tensor([1.0, 2.0, 3.0], { dtype: 'float64', requiresGrad: true });
  const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5, momentum: 0.9 }], { lr: 0.1 });
  setGrad(a, GRADS[0]!);
  setGrad(b, GRADS[0]!);
  opt.step();
  assertClose(flat(a), refSgd([1, 2, 3], GRADS.slice(0, 1), { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false })[0]!, 1e-15, 'a');
  assertClose(flat(b), refSgd([1, 2, 3], GRADS.slice(0, 1), { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false })[0]!, 1e-15, 'b');
  const before = flat(a);
  opt.paramGroups[0]!.lr = 1;
  opt.zeroGrad(); // b gets no gradient this time: untouched
  setGrad(a, [1, 1, 1]);
  const bBefore = flat(b);
  opt.step();
  assertClose(flat(a), before.map((x) => x - 1), 1e-15, 'a after lr = 1');
  assert.deepEqual(flat(b), bBefore);
  opt.dispose();
  a.dispose();
  b.dispose();
});

test('addParamGroup adds a group with defaults; a parameter may not be in two groups', () => {
  const a = tensor([1], { dtype: 'float64', requiresGrad: true });
  const b = tensor([2], { dtype: 'float64', requiresGrad: true });
  const opt = new AdamW([a], { lr: 0.02 });
  opt.addParamGroup({ params: [b], weightDecay: 0 });
  assert.equal(opt.paramGroups.length, 2);
  assert.equal(opt.paramGroups[1]!.lr, 0.02);
  assert.equal(opt.paramGroups[1]!.weightDecay, 0);
  assert.throws(() => opt.addParamGroup({ params: [a] }), /appears twice/);
  opt.dispose();
  a.dispose();
  b.dispose();
});
