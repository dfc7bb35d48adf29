/** Process-wide state: autocast, random generators, threads, build info. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  autocast, buildInfo, cuda, F, getNumThreads, getRngState, manualSeed, rand, randint, randn, setNumThreads, setRngState,
  tensor,
} from '../../src/index.js';
import { scoped } from '../helpers/assert.js';
import { opFixtures } from '../helpers/fixtures.js';

test('autocast(cpu): matmul-like ops run in bfloat16, float32 again outside', scoped(() => {
  const a = randn([2, 3]);
  const b = randn([3, 4]);
  const w = randn([4, 3]);
  const result = autocast(() => {
    const m = a.matmul(b);
    assert.equal(m.dtype, 'bfloat16', 'matmul');
    assert.equal(a.mm(b).dtype, 'bfloat16', 'mm');
    assert.equal(a.unsqueeze(0).bmm(b.unsqueeze(0)).dtype, 'bfloat16', 'bmm');
    assert.equal(F.linear(a, w).dtype, 'bfloat16', 'linear');
    assert.ok(m.float().allclose(a.matmul(b).float(), { rtol: 0, atol: 0 }), 'deterministic');
    return m;
  }, { device: 'cpu' });
  assert.equal(result.dtype, 'bfloat16', 'autocast returns fn result');
  assert.ok(result.float().allclose(a.matmul(b), { rtol: 0.02, atol: 0.05 }), 'bfloat16 result close to float32');
  assert.equal(a.matmul(b).dtype, 'float32', 'outside autocast');
  assert.equal(F.linear(a, w).dtype, 'float32');
}));

test('autocast(cpu): softmax / logSoftmax / losses follow libtorch policy', scoped(() => {
  const policy = opFixtures().autocast_cpu;
  const a = randn([2, 3]);
  const b = randn([3, 4]);
  autocast(() => {
    assert.equal(a.softmax(-1).dtype, policy.softmax_of_float32);
    assert.equal(a.logSoftmax(-1).dtype, policy.log_softmax_of_float32);
    assert.equal(a.softmax(-1).dtype, 'float32', 'softmax of float32 stays float32');
    assert.equal(a.logSoftmax(-1).dtype, 'float32', 'logSoftmax of float32 stays float32');
    const m = a.matmul(b);
    assert.equal(m.dtype, policy.matmul);
    assert.equal(m.softmax(-1).dtype, policy.softmax_of_matmul);
    assert.equal(F.mseLoss(m, m).dtype, policy.mse_loss_of_matmul, 'mse_loss runs in float32');
    assert.equal(F.linear(a, b.mT).dtype, policy.linear);
    const d = a.double();
    assert.equal(d.matmul(d.mT).dtype, 'float64', 'float64 is not autocast');
  });
}));

test('autocast: nesting and exceptions restore the previous state', scoped(() => {
  const a = randn([2, 2]);
  autocast(() => {
    autocast(() => assert.equal(a.matmul(a).dtype, 'bfloat16'));
    assert.equal(a.matmul(a).dtype, 'bfloat16', 'still on after the inner scope');
  });
  assert.throws(() =>
    autocast(() => {
      throw new Error('inside');
    }),
  );
  assert.equal(a.matmul(a).dtype, 'float32', 'off after a throw');
  assert.throws(() => autocast(() => 0, { device: 'cpu', dtype: 'float16' }), TypeError);
}));

test('autocast: gradients of float32 leaves are float32', scoped(() => {
  const x = randn([2, 3]);
  const w = randn([4, 3]).requiresGrad_(true);
  autocast(() => F.linear(x, w).float().sum()).backward();
  assert.equal(w.grad!.dtype, 'float32');
}));

test('manualSeed makes randn reproducible; other seeds differ', scoped(() => {
  manualSeed(42);
  const a = randn([16]).toArray();
  manualSeed(42);
  const b = randn([16]).toArray();
  assert.deepEqual(a, b);
  manualSeed(43);
  assert.notDeepEqual(randn([16]).toArray(), a);
  assert.throws(() => manualSeed(-1), RangeError);
  assert.throws(() => manualSeed(1.5), RangeError);
}));

test('getRngState / setRngState replay the same numbers', scoped(() => {
  manualSeed(7);
  randn([5]); // advance
  const state = getRngState();
  assert.ok(state instanceof Uint8Array);
  assert.ok(state.length > 0);
  const first = [randn([20]).toArray(), rand([3]).toArray(), randint(0, 100, [4]).toArray(), F.dropout(rand([8]).add(1), 0.5).toArray()];
  randn([100]); // move on
  setRngState(state);
  const again = [randn([20]).toArray(), rand([3]).toArray(), randint(0, 100, [4]).toArray(), F.dropout(rand([8]).add(1), 0.5).toArray()];
  assert.deepEqual(again, first);
  const probs = tensor([0.2, 0.3, 0.5]);
  setRngState(state);
  const s1 = probs.multinomial(16, true).toArray();
  setRngState(state);
  assert.deepEqual(probs.multinomial(16, true).toArray(), s1);
}));

test('the saved state is a copy: later draws do not change it', scoped(() => {
  manualSeed(3);
  const s = getRngState();
  const copy = Uint8Array.from(s);
  randn([10]);
  assert.deepEqual(s, copy);
}));

test('setNumThreads / getNumThreads round trip', () => {
  const original = getNumThreads();
  assert.ok(Number.isInteger(original) && original >= 1);
  try {
    setNumThreads(1);
    assert.equal(getNumThreads(), 1);
    setNumThreads(2);
    assert.equal(getNumThreads(), 2);
  } finally {
    setNumThreads(original);
  }
  assert.equal(getNumThreads(), original);
});

test('buildInfo and cuda report the linked libtorch', () => {
  const info = buildInfo();
  assert.match(info.torchVersion, /^\d+\.\d+/);
  assert.equal(typeof info.cuda, 'boolean');
  assert.equal(typeof info.fusedAttention, 'boolean');
  assert.equal(typeof cuda.isAvailable(), 'boolean');
  assert.ok(cuda.deviceCount() >= 0);
  if (!cuda.isAvailable()) assert.equal(cuda.deviceCount(), 0);
});
