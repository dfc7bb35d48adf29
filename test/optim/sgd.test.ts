import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensor } from '../../src/index.js';
import { SGD, type SgdOptions } from '../../src/optim/index.js';
import { assertClose, flat, GRADS, optimFixtures, P0, refSgd, runSteps, setGrad } from './reference.js';

const run = (options: Partial<SgdOptions>, grads?: number[][]): number[][] => runSteps((ps) => new SGD(ps, options), grads);

const full = (o: Partial<SgdOptions>): SgdOptions => ({ lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...o });

test('plain SGD: p -= lr·g, exactly', () => {
  const got = run({ lr: 0.1 });
  const want = refSgd(P0, GRADS, full({ lr: 0.1 }));
  got.forEach((g, s) => assertClose(g, want[s]!, 1e-12, `step ${s + 1}`));
  assertClose(got[0]!, P0.map((p, i) => p - 0.1 * GRADS[0]![i]!), 1e-15, 'step 1 closed form');
});

test('SGD with momentum, dampening and weight decay: first buffer is the gradient, then m·b + (1-d)·g', () => {
  const o = { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 };
  const got = run(o);
  const want = refSgd(P0, GRADS, full(o));
  got.forEach((g, s) => assertClose(g, want[s]!, 1e-12, `step ${s + 1}`));
  // Step 1 by hand for element 0: d = 1.5 + 0.01·0.5 = 1.505; buffer = d (no dampening on the first step).
  assert.ok(Math.abs(got[0]![0]! - (0.5 - 0.1 * 1.505)) < 1e-15);
  // Step 2 for element 0: p1 = 0.3495; d = 0.1 + 0.01·p1; b = 0.9·1.505 + 0.9·d.
  const p1 = 0.5 - 0.1 * 1.505;
  const b2 = 0.9 * 1.505 + 0.9 * (0.1 + 0.01 * p1);
  assert.ok(Math.abs(got[1]![0]! - (p1 - 0.1 * b2)) < 1e-15);
});

test('SGD with Nesterov momentum: step along g + m·b', () => {
  const o = { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.05 };
  const got = run(o);
  const want = refSgd(P0, GRADS, full(o));
  got.forEach((g, s) => assertClose(g, want[s]!, 1e-12, `step ${s + 1}`));
  const classical = refSgd(P0, GRADS, full({ ...o, nesterov: false }));
  assert.ok(Math.abs(got[2]![1]! - classical[2]![1]!) > 1e-3, 'nesterov must differ from classical momentum');
});

test('SGD matches PyTorch trajectories (fixture) to 1e-12', () => {
  const fx = optimFixtures();
  let cases = 0;
  for (const [name, c] of Object.entries(fx.optimizers)) {
    if (c.optimizer !== 'SGD') continue;
    cases++;
    const got = run(c.options as Partial<SgdOptions>, fx.grads.map((g) => g.flat()));
    got.forEach((g, s) => assertClose(g, c.params_after_step[s]!.flat(), 1e-12, `${name} step ${s + 1}`));
  }
  assert.equal(cases, 3);
});

test('momentum 0 keeps no buffer; nesterov without momentum is refused', () => {
  const p = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const opt = new SGD([p], { lr: 0.1 });
  setGrad(p, [1, 1]);
  opt.step();
  assert.deepEqual(opt.stateDict().state['0'], {});
  assert.throws(() => new SGD([p], { nesterov: true }), /nesterov needs momentum > 0 and dampening 0, got momentum 0/);
  assert.throws(() => new SGD([p], { momentum: 0.9, dampening: 0.5, nesterov: true }), /dampening 0.5/);
  opt.dispose();
  p.dispose();
});
