/**
 * The few-row linear kernel of decoding steps (native/src/skinny_linear.cc) against the product
 * in float64: float32 and bfloat16, K and N with and without vector/block tails, biases, leading
 * batch dimensions, and the cases that must keep libtorch's path (outside generation's decoding
 * scope, gradients, autocast, > 32 rows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, autocast, decodeKernelSupport, noGrad, setDecodeKernels, tensor, withDecodeKernels, type Tensor } from '../../src/index.js';
import { scoped, uniform } from '../helpers/assert.js';

const support = decodeKernelSupport();

function values(shape: number[], seed: number): Tensor {
  return tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, -1, 1), { dtype: 'float64' }).reshape(...shape);
}

function maxAbs(t: Tensor): number {
  return t.abs().max().item();
}

/** fn outside the decoding scope (libtorch) and inside it (the kernel where it applies). */
function bothPaths(fn: () => Tensor): [Tensor, Tensor] {
  return [fn(), withDecodeKernels(fn)];
}

test('float32: x (M×K) · Wᵀ + b equals float64 for M = 1..32 and K, N with tails', { skip: !support.float32 && 'this CPU has no AVX-512' }, scoped(() => {
  for (const [K, N] of [[896, 64], [37, 13], [16, 8], [1, 9], [70, 3]] as const) {
    for (const M of [1, 2, 3, 5, 8, 17, 32]) {
      for (const withBias of [false, true]) {
        const seed = K * 1000 + N * 10 + M;
        const [x, w, b] = [values([M, K], seed), values([N, K], seed + 1), values([N], seed + 2)];
        const want = x.matmul(w.transpose(0, 1)).add(withBias ? b : 0);
        const got = withDecodeKernels(() => noGrad(() => F.linear(x.float(), w.float(), withBias ? b.float() : null)));
        assert.deepEqual(got.shape, [M, N]);
        assert.equal(got.dtype, 'float32');
        // float32 rounding of K products of magnitude ≤ 1.
        const err = maxAbs(got.double().sub(want));
        assert.ok(err <= 2e-6 * Math.sqrt(K) + 1e-6, `K=${K} N=${N} M=${M} bias=${withBias}: max error ${err}`);
      }
    }
  }
}));

test('float32: the kernel runs (its summation order differs from MKL in some bit) and agrees with libtorch to 1e-6', { skip: !support.float32 && 'this CPU has no AVX-512' }, scoped(() => {
  const [x, w] = [values([8, 896], 1).float(), values([64, 896], 2).float()];
  const [plain, skinny] = bothPaths(() => noGrad(() => F.linear(x, w)));
  assert.ok(maxAbs(plain.sub(skinny)) < 1e-5);
  assert.ok(!plain.equal(skinny), 'bit-identical to libtorch: the kernel did not run');
}));

test('leading batch dimensions and a non-contiguous x keep their shape', { skip: !support.float32 && 'this CPU has no AVX-512' }, scoped(() => {
  const x = values([8, 3, 2], 5).float().permute(2, 1, 0); // (2, 3, 8), not contiguous
  const w = values([5, 8], 6).float();
  const [plain, skinny] = bothPaths(() => noGrad(() => F.linear(x, w)));
  assert.deepEqual(skinny.shape, [2, 3, 5]);
  assert.ok(maxAbs(plain.sub(skinny)) < 1e-6);
  const vector = withDecodeKernels(() => noGrad(() => F.linear(values([8], 7).float(), w)));
  assert.deepEqual(vector.shape, [5]);
}));

test('bfloat16: within one bf16 rounding of the float64 product of the same bf16 values', { skip: !support.bfloat16 && 'this CPU has no AVX512_BF16' }, scoped(() => {
  for (const [K, N] of [[896, 32], [45, 11], [32, 8]] as const) {
    for (const M of [1, 4, 7, 32]) {
      const seed = K + N + M;
      const [x, w, b] = [values([M, K], seed).bfloat16(), values([N, K], seed + 1).bfloat16(), values([N], seed + 2).bfloat16()];
      const want = x.double().matmul(w.double().transpose(0, 1)).add(b.double());
      const got = withDecodeKernels(() => noGrad(() => F.linear(x, w, b)));
      assert.equal(got.dtype, 'bfloat16');
      // bf16 keeps 8 significant bits: the result is off by at most one unit in the last place
      // (2^-7 relative to its magnitude), plus float32 accumulation over K.
      const err = got.double().sub(want).abs();
      const bound = want.abs().mul(2 ** -7).add(1e-6 * K);
      assert.ok(err.le(bound).all().item(), `K=${K} N=${N} M=${M}: max error ${maxAbs(err)}`);
    }
  }
}));

test('libtorch keeps the products that need a gradient, run under autocast or have more than 32 rows', { skip: !support.float32 && 'this CPU has no AVX-512' }, scoped(() => {
  const w = values([16, 896], 9).float().requiresGrad_(true);
  const x = values([4, 896], 10).float();
  // With a gradient: libtorch's linear (bit-identical to the kernel-off path) and a backward.
  const [plain, skinny] = bothPaths(() => F.linear(x, w));
  assert.ok(plain.equal(skinny));
  skinny.sum().backward();
  const colSums = x.sum({ dim: 0 }).reshape(1, 896).expand(16, 896);
  assert.ok(maxAbs(w.grad!.sub(colSums)) < 1e-4);
  // Autocast: bf16 output from libtorch.
  const cast = withDecodeKernels(() => noGrad(() => autocast(() => F.linear(x, w.detach()))));
  assert.equal(cast.dtype, 'bfloat16');
  // 33 rows: libtorch's GEMM, bit for bit.
  const many = values([33, 896], 11).float();
  const [p33, s33] = bothPaths(() => noGrad(() => F.linear(many, w.detach())));
  assert.ok(p33.equal(s33));
}));

test('outside generation, and with setDecodeKernels(false), a no-grad product keeps libtorch\'s bits', { skip: !support.float32 && 'this CPU has no AVX-512' }, scoped(() => {
  const [x, w] = [values([4, 896], 12).float(), values([16, 896], 13).float().requiresGrad_(true)];
  const withGrad = F.linear(x, w);
  assert.ok(noGrad(() => F.linear(x, w)).equal(withGrad));
  setDecodeKernels(false);
  try {
    assert.ok(withDecodeKernels(() => noGrad(() => F.linear(x, w))).equal(withGrad));
  } finally {
    setDecodeKernels(true);
  }
  assert.ok(!withDecodeKernels(() => noGrad(() => F.linear(x, w))).equal(withGrad));
}));
