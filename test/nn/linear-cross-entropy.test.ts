/**
 * linearCrossEntropy (native/src/lm_loss.cc) against crossEntropy(linear(h, w), labels): values and
 * gradients of hidden and weight, for both reductions, chunks that do not divide the tokens,
 * ignored labels, all-ignored batches, label smoothing, bfloat16 autocast, and float64
 * finite differences.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autocast, manualSeed, randint, randn, tensor, tidy, type Tensor } from '../../src/index.js';
import * as F from '../../src/nn/functional.js';
import { linearCrossEntropy } from '../../src/nn/linear-cross-entropy.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { scoped } from '../helpers/assert.js';

const maxDiff = (a: Tensor, b: Tensor): number => a.float().sub(b.float()).abs().max().item();

interface Case { N: number; H: number; V: number; chunkRows: number; ignored: number[]; smoothing: number }

/** Fused and composed losses of one case, and their gradients w.r.t. hidden and weight (projected by `weights` for 'none'). */
function both(c: Case, reduction: 'sum' | 'none', dtype: 'float32' | 'float64' = 'float32') {
  manualSeed(c.N * 31 + c.V);
  const h0 = randn([c.N, c.H], { dtype }).mul(2);
  const w0 = randn([c.V, c.H], { dtype }).mul(0.5);
  const labelList = (randint(0, c.V, [c.N]).toArray() as number[]).map((l, i) => (c.ignored.includes(i) ? -100 : l));
  const labels = tensor(labelList, { dtype: 'int64' });
  const proj = randn([c.N], { dtype }).abs().add(0.5);
  const run = (fused: boolean) => {
    const h = h0.clone().requiresGrad_();
    const w = w0.clone().requiresGrad_();
    const out = fused
      ? linearCrossEntropy(h, w, labels, { reduction, chunkRows: c.chunkRows, labelSmoothing: c.smoothing })
      : F.crossEntropy(F.linear(h, w), labels, { reduction, labelSmoothing: c.smoothing });
    (reduction === 'sum' ? out : out.mul(proj).sum()).backward();
    return { out: out.detach(), dh: h.grad as Tensor, dw: w.grad as Tensor };
  };
  return { fused: run(true), plain: run(false) };
}

const CASES: Case[] = [
  { N: 10, H: 8, V: 13, chunkRows: 3, ignored: [], smoothing: 0 }, // 10 tokens in chunks of 3: a 1-row tail
  { N: 10, H: 8, V: 13, chunkRows: 4, ignored: [0, 3, 4, 9], smoothing: 0 }, // -100 labels inside and at the ends of chunks
  { N: 7, H: 5, V: 11, chunkRows: 100, ignored: [2], smoothing: 0.1 }, // one chunk, label smoothing
  { N: 6, H: 4, V: 9, chunkRows: 1, ignored: [1], smoothing: 0 }, // one token per chunk
];

for (const reduction of ['sum', 'none'] as const) {
  test(`float32 (native row kernel) and float64 (ATen ops) '${reduction}': fused loss and gradients equal the composed ones`, scoped(() => {
    for (const [c, dtype] of CASES.flatMap((c) => [[c, 'float32'], [c, 'float64']] as const)) {
      const { fused, plain } = both(c, reduction, dtype);
      assert.equal(fused.out.dtype, dtype);
      assert.deepEqual(fused.out.shape, plain.out.shape);
      const what = `${dtype} ${JSON.stringify(c)}`;
      assert.ok(maxDiff(fused.out, plain.out) < 1e-4, `${what}: loss ${fused.out.toArray()} vs ${plain.out.toArray()}`);
      assert.ok(maxDiff(fused.dh, plain.dh) < 1e-5, `${what}: d hidden differs by ${maxDiff(fused.dh, plain.dh)}`);
      assert.ok(maxDiff(fused.dw, plain.dw) < 1e-5, `${what}: d weight differs by ${maxDiff(fused.dw, plain.dw)}`);
    }
  }));
}

test('an all-ignored batch gives loss 0 and zero gradients (not NaN)', scoped(() => {
  for (const reduction of ['sum', 'none'] as const) {
    const { fused } = both({ N: 5, H: 4, V: 7, chunkRows: 2, ignored: [0, 1, 2, 3, 4], smoothing: 0 }, reduction);
    assert.equal(fused.out.abs().sum().item(), 0);
    assert.equal(fused.dh.abs().sum().item(), 0);
    assert.equal(fused.dw.abs().sum().item(), 0);
  }
}));

test('float64 finite differences: both reductions, smoothing, a chunk boundary', () => {
  tidy(() => {
    manualSeed(3);
    const h = randn([5, 3], { dtype: 'float64' });
    const w = randn([6, 3], { dtype: 'float64' });
    const labels = tensor([2, -100, 5, 0, 1], { dtype: 'int64' });
    for (const reduction of ['sum', 'none'] as const) {
      const diff = gradcheck((a, b) => linearCrossEntropy(a, b, labels, { reduction, chunkRows: 2, labelSmoothing: 0.2 }), [h, w], { atol: 1e-6, rtol: 1e-5, name: `linearCrossEntropy ${reduction}` });
      assert.ok(diff < 1e-6, `${reduction}: ${diff}`);
    }
  });
});

test('bfloat16 autocast: the fused loss and gradients match the composed autocast path', scoped(() => {
  for (const reduction of ['sum', 'none'] as const) {
    const c = { N: 40, H: 32, V: 50, chunkRows: 16, ignored: [5, 17], smoothing: 0 };
    const { fused, plain } = autocast(() => both(c, reduction));
    assert.equal(fused.dh.dtype, 'float32'); // gradients come back in the inputs' dtype
    const scale = plain.out.abs().max().item();
    assert.ok(maxDiff(fused.out, plain.out) < 0.02 * scale, `${reduction}: ${maxDiff(fused.out, plain.out)} vs scale ${scale}`);
    const gscale = plain.dw.abs().max().item();
    assert.ok(maxDiff(fused.dw, plain.dw) < 0.02 * gscale, `${reduction}: d weight ${maxDiff(fused.dw, plain.dw)} vs ${gscale}`);
    assert.ok(maxDiff(fused.dh, plain.dh) < 0.02 * plain.dh.abs().max().item(), `${reduction}: d hidden`);
  }
}));

test('the sum path refuses a second backward and bad arguments, naming the fix', scoped(() => {
  const h = randn([4, 3]).requiresGrad_();
  const w = randn([5, 3]).requiresGrad_();
  const loss = linearCrossEntropy(h, w, tensor([0, 1, 2, 3], { dtype: 'int64' }));
  loss.backward({ retainGraph: true });
  assert.throws(() => loss.backward(), /backward runs once.*reduction 'none'/);
  assert.throws(() => linearCrossEntropy(h, w, tensor([0, 1], { dtype: 'int64' })), /labels/);
  assert.throws(() => linearCrossEntropy(h, w, tensor([0, 1, 2, 3], { dtype: 'int64' }), { chunkRows: 0 }), /chunkRows/);
}));
