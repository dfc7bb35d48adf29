import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memory, tensor, tidy, type Tensor } from '../../src/index.js';
import { GradScaler, SGD } from '../../src/optim/index.js';
import { flat, setGrad } from './reference.js';

function setup(): { p: Tensor; opt: SGD } {
  const p = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
  return { p, opt: new SGD([p], { lr: 0.5 }) };
}
const gradOf = (p: Tensor): number[] => tidy(() => flat(p.grad as Tensor));

test('scale() multiplies the loss; a clean step unscales grads exactly and steps the optimizer', () => {
  const { p, opt } = setup();
  const scaler = new GradScaler({ initScale: 1024 });
  tidy(() => {
    const loss = p.mul(tensor([0.5, 0.25, -1])).sum();
    const scaled = scaler.scale(loss);
    assert.equal(scaled.item(), 1024 * loss.item());
    scaled.backward();
  });
  assert.deepEqual(gradOf(p), [512, 256, -1024]);
  scaler.unscale_(opt);
  assert.deepEqual(gradOf(p), [0.5, 0.25, -1]);
  assert.equal(scaler.step(opt), true);
  assert.deepEqual(flat(p), [1 - 0.25, 2 - 0.125, 3 + 0.5]);
  scaler.update();
  assert.equal(scaler.getScale(), 1024);
  assert.equal(scaler.stateDict().growthTracker, 1);
  opt.dispose();
  p.dispose();
});

test('a scalar float16 loss is scaled in float32 (promoted by the 0-dim float32 scale), not overflowed', () => {
  const loss = tensor(2, { dtype: 'float16' });
  const scaled = new GradScaler().scale(loss);
  assert.equal(scaled.dtype, 'float32');
  assert.equal(scaled.item(), 131072);
  loss.dispose();
  scaled.dispose();
});

test('an inf or NaN gradient skips the step and halves the scale', () => {
  const { p, opt } = setup();
  const scaler = new GradScaler({ initScale: 2 ** 16 });
  for (const bad of [Infinity, NaN]) {
    setGrad(p, [1, bad, 1]);
    assert.equal(scaler.step(opt), false);
    assert.deepEqual(flat(p), [1, 2, 3], 'parameters must not move on a skipped step');
    scaler.update();
  }
  assert.equal(scaler.getScale(), 2 ** 14);
  assert.equal(scaler.stateDict().growthTracker, 0);
  opt.dispose();
  p.dispose();
});

test('the scale grows by 2 after growthInterval clean steps, and an overflow resets the count', () => {
  const { p, opt } = setup();
  const scaler = new GradScaler({ initScale: 8, growthInterval: 3 });
  const iteration = (g: number[]): void => {
    setGrad(p, g);
    scaler.step(opt);
    scaler.update();
  };
  iteration([1, 1, 1]);
  iteration([1, 1, 1]);
  assert.equal(scaler.getScale(), 8);
  iteration([1, 1, 1]);
  assert.equal(scaler.getScale(), 16);
  iteration([1, 1, 1]);
  iteration([1, 1, 1]);
  iteration([Infinity, 1, 1]); // backoff, tracker reset
  assert.equal(scaler.getScale(), 8);
  iteration([1, 1, 1]);
  iteration([1, 1, 1]);
  assert.equal(scaler.getScale(), 8);
  iteration([1, 1, 1]);
  assert.equal(scaler.getScale(), 16);
  opt.dispose();
  p.dispose();
});

test('defaults are torch.cuda.amp.GradScaler: 2^16, x2, x0.5, 2000', () => {
  assert.deepEqual(new GradScaler().stateDict(), { scale: 65536, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000, growthTracker: 0 });
});

test('order is enforced: unscale_ once, before step; update() needs a recorded check', () => {
  const { p, opt } = setup();
  const scaler = new GradScaler();
  assert.throws(() => scaler.update(), /no inf\/NaN checks were recorded/);
  assert.throws(() => scaler.step(opt), /no gradients were found/);
  scaler.update(4); // an explicit scale needs no check
  setGrad(p, [1, 1, 1]);
  scaler.unscale_(opt);
  assert.throws(() => scaler.unscale_(opt), /already called on this optimizer/);
  scaler.step(opt);
  assert.throws(() => scaler.step(opt), /already called/);
  assert.throws(() => scaler.unscale_(opt), /called after step\(\)/);
  scaler.update();
  setGrad(p, [1, 1, 1]);
  scaler.unscale_(opt); // allowed again after update()
  opt.dispose();
  p.dispose();
});

test('state dict round trip; disabled scaler is a pass-through; float16 grads are refused; no leaks', () => {
  const { p, opt } = setup();
  const scaler = new GradScaler({ initScale: 256, growthInterval: 5 });
  setGrad(p, [1, 1, 1]);
  scaler.step(opt);
  scaler.update();
  const saved = scaler.stateDict();
  const restored = new GradScaler();
  restored.loadStateDict(JSON.parse(JSON.stringify(saved)));
  assert.deepEqual(restored.stateDict(), { scale: 256, growthFactor: 2, backoffFactor: 0.5, growthInterval: 5, growthTracker: 1 });
  assert.throws(() => restored.loadStateDict({ ...saved, backoffFactor: 2 }), /backoffFactor \(2\) must be in \(0, 1\)/);

  const off = new GradScaler({ enabled: false });
  const loss = tensor(3);
  assert.equal(off.scale(loss), loss);
  assert.equal(off.getScale(), 1);
  assert.equal(off.step(opt), true);
  loss.dispose();

  const before = memory().numTensors;
  for (let i = 0; i < 5; i++) {
    setGrad(p, [1, i === 2 ? Infinity : 1, 1]);
    scaler.step(opt);
    scaler.update();
  }
  assert.equal(memory().numTensors, before);

  const h = tensor([1, 2], { dtype: 'float16', requiresGrad: true });
  const hopt = new SGD([h]);
  setGrad(h, [1, 1]);
  assert.throws(() => scaler.unscale_(hopt), /gradients are float16/);
  h.dispose();
  opt.dispose();
  p.dispose();
});
