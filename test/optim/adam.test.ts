import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualSeed, randn, tensor, tidy, type Tensor } from '../../src/index.js';
import { native } from '../../src/native/binding.js';
import { Adam, AdamW, type AdamOptions } from '../../src/optim/index.js';
import { assertClose, flat, GRADS, optimFixtures, P0, refAdam, runSteps, setGrad } from './reference.js';

const run = (make: (params: Tensor[]) => Adam, grads?: number[][]): number[][] => runSteps(make, grads);

const options: AdamOptions = { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, amsgrad: false };

test('AdamW: 3 steps equal the hand-computed float64 update (decoupled decay)', () => {
  const got = run((ps) => new AdamW(ps, options));
  const want = refAdam(P0, GRADS, { ...options, decoupled: true });
  got.forEach((g, s) => assertClose(g, want[s] as number[], 1e-12, `step ${s + 1}`));
  // Step 1 in closed form: bias-corrected m/sqrt(v) is sign(g), so p <- p(1 - lr·wd) - lr·sign(g) (up to eps).
  const step1 = P0.map((p, i) => p * (1 - 0.01 * 0.1) - 0.01 * Math.sign(GRADS[0]![i]!));
  assertClose(got[0]!, step1, 1e-9, 'step 1 closed form');
});

test('AdamW with amsgrad: uses the running max of v', () => {
  const o: AdamOptions = { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.02, amsgrad: true };
  const got = run((ps) => new AdamW(ps, o));
  const want = refAdam(P0, GRADS, { ...o, decoupled: true });
  got.forEach((g, s) => assertClose(g, want[s] as number[], 1e-12, `step ${s + 1}`));
  const plain = refAdam(P0, GRADS, { ...o, amsgrad: false, decoupled: true });
  assert.ok(Math.abs(got[2]![0]! - plain[2]![0]!) > 1e-4, 'amsgrad should change the step-3 update for these grads');
});

test('Adam: weight decay is L2 added to the gradient, not decoupled', () => {
  const o: AdamOptions = { lr: 0.02, betas: [0.85, 0.995], eps: 1e-8, weightDecay: 0.1, amsgrad: false };
  const got = run((ps) => new Adam(ps, o));
  const want = refAdam(P0, GRADS, { ...o, decoupled: false });
  got.forEach((g, s) => assertClose(g, want[s] as number[], 1e-12, `step ${s + 1}`));
  const decoupled = refAdam(P0, GRADS, { ...o, decoupled: true });
  assert.ok(Math.abs(got[2]![5]! - decoupled[2]![5]!) > 1e-6, 'Adam and AdamW must differ when weightDecay > 0');
});

test('Adam and AdamW match PyTorch trajectories (fixture) to 1e-12', () => {
  const fx = optimFixtures();
  for (const [name, c] of Object.entries(fx.optimizers)) {
    if (c.optimizer !== 'Adam' && c.optimizer !== 'AdamW') continue;
    const Ctor = c.optimizer === 'Adam' ? Adam : AdamW;
    const got = run((ps) => new Ctor(ps, c.options as Partial<AdamOptions>), fx.grads.map((g) => g.flat()));
    got.forEach((g, s) => assertClose(g, c.params_after_step[s]!.flat(), 1e-12, `${name} step ${s + 1}`));
  }
});

test('defaults follow PyTorch: lr 1e-3, betas [0.9, 0.999], eps 1e-8; weightDecay 0 (Adam) / 1e-2 (AdamW)', () => {
  const p = tensor([1], { dtype: 'float64', requiresGrad: true });
  assert.deepEqual({ ...new Adam([p]).defaults }, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
  assert.equal(new AdamW([p]).defaults.weightDecay, 1e-2);
  const got = run((ps) => new AdamW(ps));
  const want = refAdam(P0, GRADS, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, decoupled: true });
  got.forEach((g, s) => assertClose(g, want[s] as number[], 1e-12, `default AdamW step ${s + 1}`));
  p.dispose();
});

test('float32 parameters: state follows the param dtype and the update matches within float32 rounding', () => {
  const p = tensor([P0], { dtype: 'float32', requiresGrad: true });
  const opt = new AdamW([p], options);
  for (const g of GRADS) {
    setGrad(p, g);
    opt.step();
  }
  const sd = opt.stateDict();
  assert.equal((sd.state['0']!.expAvg as Tensor).dtype, 'float32');
  assertClose(flat(p), refAdam(P0, GRADS, { ...options, decoupled: true })[2]!, 1e-6, 'float32 AdamW');
  for (const v of Object.values(sd.state['0']!)) if (typeof v !== 'number') v.dispose();
  opt.dispose();
  p.dispose();
});

test('the fused float32 step (contiguous CPU tensors) equals the op-by-op update within float32 rounding', () => {
  tidy(() => {
    manualSeed(3);
    // Transposed copies hold the same values but are not contiguous, so they take the op-by-op path.
    const start = [randn([40, 70]), randn([40, 70]).abs(), randn([40, 70]).abs().mul(0.01)];
    const fused = start.map((t) => t.clone());
    const opByOp = start.map((t) => t.t().contiguous().t());
    assert.equal(opByOp[0]!.isContiguous, false);
    for (const [step, decoupled] of [[1, true], [2, true], [3, false]] as const) {
      const grad = randn([40, 70]);
      for (const [p, m, v] of [fused, opByOp]) {
        native.adamStep_(p!.handle, grad.handle, m!.handle, v!.handle, null, 0.01, 0.9, 0.999, 1e-8, 0.1, decoupled, step);
      }
    }
    fused.forEach((t, i) => {
      const got = t.flatValues() as number[];
      const want = opByOp[i]!.flatValues() as number[];
      const worst = Math.max(...got.map((g, k) => Math.abs(g - want[k]!) / (Math.abs(want[k]!) + 1e-6)));
      assert.ok(worst < 1e-5, `tensor ${i}: relative difference ${worst}`);
      assert.notDeepEqual(want, start[i]!.flatValues(), `tensor ${i} was not updated`);
    });
  });
});

test('parameters without a gradient are left alone and get no state', () => {
  const a = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const b = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
  const opt = new AdamW([a, b], { lr: 0.1 });
  setGrad(a, [1, 1]);
  opt.step();
  assert.deepEqual(flat(b), [3, 4]);
  assert.notDeepEqual(flat(a), [1, 2]);
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd.state), ['0']);
  assert.equal(sd.state['0']!.step, 1);
  for (const v of Object.values(sd.state['0']!)) if (typeof v !== 'number') v.dispose();
  opt.zeroGrad();
  assert.equal(a.grad, null);
  opt.dispose();
  a.dispose();
  b.dispose();
});

test('invalid options are refused with the value quoted', () => {
  const p = tensor([1], { dtype: 'float64', requiresGrad: true });
  assert.throws(() => new AdamW([p], { betas: [0.9, 1.0] }), /betas\[1\] \(1\) must be in \[0, 1\)/);
  assert.throws(() => new Adam([p], { lr: -1 }), /lr \(-1\) must be >= 0/);
  assert.throws(() => new AdamW([{ params: [p], eps: -1e-8 }]), /paramGroups\[0\].*eps \(-1e-8\)/);
  assert.throws(() => new AdamW([]), /empty parameter list/);
  assert.throws(() => new AdamW([p, p]), /appears twice/);
  p.dispose();
});
