/**
 * F.linear under bf16 autocast with gradients (native/src/autocast_linear.cc) against autocast's
 * own graph written out: linear(x.to(bf16), W.to(bf16), b.to(bf16)) outside autocast, whose
 * backward casts the gradients back. Values and every gradient bit for bit; and the weight kept
 * for backward is the float32 parameter itself, not a cast copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, autocast, noGrad, tensor, type Tensor } from '../../src/index.js';
import { scoped, uniform } from '../helpers/assert.js';

function values(shape: number[], seed: number, dtype: 'float32' | 'bfloat16' = 'float32'): Tensor {
  return tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, -1, 1), { dtype: 'float32' }).reshape(...shape).to(dtype);
}

const bits = (t: Tensor): number[] => [...(t.float().toTypedArray() as Float32Array)];

interface Case { x: Tensor; w: Tensor; b: Tensor | null; p: Tensor }

/** Output and gradients of Σ out · p for x, W and b (those that require them). */
function run(c: Case, composed: boolean): Tensor[] {
  const leaves = [c.x, c.w, ...(c.b === null ? [] : [c.b])].map((t) => t.detach().requiresGrad_(true));
  const [x, w, b] = [leaves[0]!, leaves[1]!, leaves[2] ?? null];
  const out = composed ? F.linear(x.to('bfloat16'), w.to('bfloat16'), b?.to('bfloat16') ?? null) : autocast(() => F.linear(x, w, b));
  out.float().mul(c.p).sum().backward();
  return [out, ...leaves.map((t) => t.grad!)];
}

test('bf16 autocast linear equals the cast-then-linear graph bit for bit: output, dx, dW and db', scoped(() => {
  const cases: [string, Case][] = [
    ['3-d float32 x with bias', { x: values([2, 5, 24], 1), w: values([12, 24], 2), b: values([12], 3), p: values([2, 5, 12], 4) }],
    ['2-d float32 x without bias', { x: values([7, 40], 5), w: values([9, 40], 6), b: null, p: values([7, 9], 7) }],
    ['bf16 x (an earlier autocast output)', { x: values([3, 4, 16], 8, 'bfloat16'), w: values([10, 16], 9), b: values([10], 10), p: values([3, 4, 10], 11) }],
  ];
  for (const [name, c] of cases) {
    const got = run(c, false);
    const want = run(c, true);
    assert.equal(got[0]!.dtype, 'bfloat16', name);
    ['out', 'dx', 'dW', 'db'].slice(0, got.length).forEach((what, i) => {
      assert.equal(got[i]!.dtype, want[i]!.dtype, `${name} ${what} dtype`);
      assert.deepEqual(bits(got[i]!), bits(want[i]!), `${name}: ${what}`);
    });
  }
}));

test('bf16 autocast linear keeps the float32 weight for backward, not a cast copy', scoped(() => {
  const w = values([6, 8], 12).requiresGrad_(true);
  const x = values([4, 8], 13).requiresGrad_(true);
  const y = autocast(() => F.linear(x, w, null));
  // Changing the weight in place bumps its version: autograd refuses a backward that needs it.
  noGrad(() => w.copy_(values([6, 8], 14)));
  assert.throws(() => y.float().sum().backward(), /modified by an inplace operation/);
}));

test('only what needs a gradient gets one; without gradients autocast keeps libtorch path and values', scoped(() => {
  const [x, w, b] = [values([3, 16], 15), values([5, 16], 16), values([5], 17)];
  const wg = w.detach().requiresGrad_(true);
  const y = autocast(() => F.linear(x, wg, b));
  y.float().sum().backward();
  assert.deepEqual(wg.grad!.shape, [5, 16]);
  assert.equal(wg.grad!.dtype, 'float32');
  const plain = autocast(() => noGrad(() => F.linear(x, w, b)));
  assert.deepEqual(bits(y.detach()), bits(plain));
}));
