/**
 * Attention of one new token against a KV cache (native/src/decode_attention.cc): against the
 * math path in float64 for float32 and bfloat16 storage, grouped heads, additive, boolean and
 * broadcast masks, a cache that is a narrowed view of a larger buffer, head sizes that are not
 * a multiple of 16, and a row that may attend nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, decodeKernelSupport, noGrad, tensor, withDecodeKernels, type Tensor } from '../../src/index.js';
import { scoped, uniform } from '../helpers/assert.js';

const skip = !decodeKernelSupport().float32 && 'this CPU has no AVX-512';

function values(shape: number[], seed: number, lo = -2, hi = 2): Tensor {
  return tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, lo, hi), { dtype: 'float64' }).reshape(...shape);
}

/** The reference: float64 math path over the same (possibly bf16-rounded) values. */
function reference(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, scale: number): Tensor {
  return F.scaledDotProductAttention(q.double(), k.double(), v.double(), { mask: mask?.dtype === 'bool' ? mask : mask?.double() ?? null, enableGqa: true, scale, forceMath: true });
}

test('float32 decode attention equals float64 math: grouped heads, masks of every form, d = 64 and 40', { skip }, scoped(() => {
  for (const d of [64, 40]) {
    const [B, H, KV, S] = [3, 6, 2, 21];
    // The cache: a buffer of capacity 32 narrowed to the S positions written, as generation does.
    const kBuf = values([B, KV, 32, d], d + 1).float();
    const vBuf = values([B, KV, 32, d], d + 2).float();
    const [k, v] = [kBuf.narrow(2, 0, S), vBuf.narrow(2, 0, S)];
    const q = values([B, H, 1, d], d + 3).float();
    const padded = tensor(Array.from({ length: B * S }, (_, i) => (i % S < (i / S | 0) * 3 ? -Infinity : 0)), { dtype: 'float32' }).reshape(B, 1, 1, S);
    const allowed = padded.eq(0);
    const perHead = values([B, H, 1, S], d + 4, -1, 1).float();
    for (const mask of [null, padded, allowed, perHead, values([S], 9, -1, 1).float()]) {
      const got = withDecodeKernels(() => noGrad(() => F.scaledDotProductAttention(q, k, v, { mask, enableGqa: true, scale: d ** -0.5 })));
      const want = reference(q, k, v, mask, d ** -0.5);
      assert.deepEqual(got.shape, [B, H, 1, d]);
      const err = got.double().sub(want).abs().max().item();
      assert.ok(err < 2e-6, `d=${d} mask ${mask?.shape ?? 'none'} ${mask?.dtype ?? ''}: max error ${err}`);
    }
  }
}));

test('bfloat16 storage: float32 arithmetic, one bf16 rounding of the result', { skip }, scoped(() => {
  const [B, H, KV, S, d] = [4, 14, 2, 37, 64];
  const q = values([B, H, 1, d], 1).bfloat16();
  const k = values([B, KV, S, d], 2).bfloat16();
  const v = values([B, KV, S, d], 3).bfloat16();
  const mask = values([B, 1, 1, S], 4, -3, 0).bfloat16();
  const got = withDecodeKernels(() => noGrad(() => F.scaledDotProductAttention(q, k, v, { mask, enableGqa: true, scale: 0.125 })));
  assert.equal(got.dtype, 'bfloat16');
  const want = reference(q, k, v, mask, 0.125);
  const err = got.double().sub(want).abs();
  assert.ok(err.le(want.abs().mul(2 ** -8).add(1e-6)).all().item(), `max error ${err.max().item()}`);
}));

test('a row whose mask hides every key gets zeros; a row with grad keeps libtorch (and a backward)', { skip }, scoped(() => {
  const q = values([2, 2, 1, 16], 5).float();
  const k = values([2, 2, 5, 16], 6).float();
  const v = values([2, 2, 5, 16], 7).float();
  const mask = tensor([false, false, false, false, false, true, true, true, true, true]).reshape(2, 1, 1, 5);
  const got = withDecodeKernels(() => noGrad(() => F.scaledDotProductAttention(q, k, v, { mask })));
  assert.deepEqual(got.narrow(0, 0, 1).abs().max().item(), 0);
  const want = reference(q.narrow(0, 1, 1), k.narrow(0, 1, 1), v.narrow(0, 1, 1), null, 0.25);
  assert.ok(got.narrow(0, 1, 1).double().sub(want).abs().max().item() < 1e-6);
  const qg = q.detach().requiresGrad_(true);
  withDecodeKernels(() => F.scaledDotProductAttention(qg, k, v)).sum().backward();
  assert.ok(qg.grad!.abs().sum().item() > 0);
}));
