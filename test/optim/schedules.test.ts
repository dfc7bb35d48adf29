import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensor } from '../../src/index.js';
import {
  AdamW,
  constantSchedule,
  constantWithWarmup,
  cosineWithWarmup,
  linearWithWarmup,
  LrScheduler,
  makeSchedule,
} from '../../src/optim/index.js';

const near = (a: number, b: number, tol = 1e-15): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// Expected values below are transformers' lr_lambda formulas (optimization.py) evaluated by hand.
test('linear warmup 10, total 100 (get_linear_schedule_with_warmup)', () => {
  const f = linearWithWarmup({ warmupSteps: 10, totalSteps: 100 });
  assert.equal(f(0), 0);
  assert.equal(f(5), 0.5);
  assert.equal(f(10), 1);
  assert.equal(f(55), 0.5); // (100 - 55) / 90
  near(f(82), 18 / 90);
  assert.equal(f(100), 0);
  assert.equal(f(130), 0); // clamped at 0 past the end
});

test('cosine warmup 10, total 100, numCycles 0.5 (get_cosine_schedule_with_warmup)', () => {
  const f = cosineWithWarmup({ warmupSteps: 10, totalSteps: 100 });
  assert.equal(f(0), 0);
  assert.equal(f(5), 0.5);
  assert.equal(f(10), 1);
  near(f(55), 0.5); // halfway: 0.5·(1 + cos(π/2))
  near(f(40), 0.5 * (1 + Math.cos((Math.PI * 30) / 90)));
  near(f(40), 0.75); // cos(π/3) = 1/2
  near(f(100), 0); // 0.5·(1 + cos π)
  const full = cosineWithWarmup({ warmupSteps: 0, totalSteps: 100, numCycles: 1 });
  near(full(50), 0);
  near(full(100), 1);
});

test('constant and constant with warmup', () => {
  assert.equal(constantSchedule()(12345), 1);
  const f = constantWithWarmup({ warmupSteps: 10 });
  assert.deepEqual([0, 5, 10, 100].map(f), [0, 0.5, 1, 1]);
  assert.equal(constantWithWarmup({ warmupSteps: 0 })(0), 1);
  assert.equal(linearWithWarmup({ warmupSteps: 0, totalSteps: 100 })(0), 1);
});

test('makeSchedule dispatches on transformers lr_scheduler_type names; bad configs throw at creation', () => {
  assert.equal(makeSchedule({ type: 'linear', warmupSteps: 10, totalSteps: 100 })(55), 0.5);
  near(makeSchedule({ type: 'cosine', warmupSteps: 10, totalSteps: 100 })(40), 0.75);
  assert.equal(makeSchedule({ type: 'constant_with_warmup', warmupSteps: 4 })(2), 0.5);
  assert.equal(makeSchedule({ type: 'constant' })(7), 1);
  assert.throws(() => linearWithWarmup({ warmupSteps: 20, totalSteps: 10 }), /totalSteps \(10\) must be an integer >= warmupSteps \(20\)/);
  assert.throws(() => constantWithWarmup({ warmupSteps: -1 }), /warmupSteps \(-1\)/);
});

test('LrScheduler sets every group lr = base · schedule(step), starting at step 0', () => {
  const a = tensor([1], { dtype: 'float64', requiresGrad: true });
  const b = tensor([2], { dtype: 'float64', requiresGrad: true });
  const opt = new AdamW([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
  const sched = new LrScheduler(opt, linearWithWarmup({ warmupSteps: 10, totalSteps: 100 }));
  assert.deepEqual(sched.getLastLr(), [0, 0]);
  assert.equal(opt.paramGroups[0]!.lr, 0);
  for (let i = 0; i < 5; i++) sched.step();
  assert.equal(sched.lastStep, 5);
  assert.deepEqual(sched.getLastLr(), [0.05, 0.25]);
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.05, 0.25]);
  for (let i = 5; i < 55; i++) sched.step();
  near(opt.paramGroups[0]!.lr, 0.05);
  near(opt.paramGroups[1]!.lr, 0.25);

  // Resume: a new scheduler on a fresh optimizer continues from the saved step.
  const saved = sched.stateDict();
  assert.deepEqual(saved, { lastStep: 55, baseLrs: [0.1, 0.5] });
  const opt2 = new AdamW([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
  const sched2 = new LrScheduler(opt2, linearWithWarmup({ warmupSteps: 10, totalSteps: 100 }));
  sched2.loadStateDict(saved);
  assert.deepEqual(sched2.getLastLr(), sched.getLastLr());
  sched.step();
  sched2.step();
  assert.deepEqual(opt2.paramGroups.map((g) => g.lr), opt.paramGroups.map((g) => g.lr));
  a.dispose();
  b.dispose();
});

test('LrScheduler: one schedule per group', () => {
  const a = tensor([1], { dtype: 'float64', requiresGrad: true });
  const b = tensor([2], { dtype: 'float64', requiresGrad: true });
  const opt = new AdamW([{ params: [a] }, { params: [b] }], { lr: 1 });
  const sched = new LrScheduler(opt, [constantSchedule(), cosineWithWarmup({ warmupSteps: 0, totalSteps: 90 })]);
  for (let i = 0; i < 30; i++) sched.step();
  assert.equal(sched.getLastLr()[0], 1);
  near(sched.getLastLr()[1]!, 0.75);
  assert.throws(() => new LrScheduler(opt, [constantSchedule()]), /1 schedules for 2 param groups/);
  a.dispose();
  b.dispose();
});
