/** F.rotaryEmbedding: x·cos + rotate_half(x)·sin, the float32 native pass against float64 composed ops. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, F, tensor, type Tensor } from '../../src/index.js';
import { assertClose, scoped, uniform } from '../helpers/assert.js';

const FLOAT32 = { atol: 1e-6, rtol: 1e-5 };

function values(shape: number[], seed: number): Tensor {
  return tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, -2, 2), { dtype: 'float64' }).reshape(...shape);
}

/** The definition written out with tensor ops. */
function reference(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const half = x.size(-1) / 2;
  const rotated = cat([x.slice(-1, half).neg(), x.slice(-1, 0, half)], -1);
  return x.mul(cos.unsqueeze(1)).add(rotated.mul(sin.unsqueeze(1)));
}

function grads(x: Tensor, cos: Tensor, sin: Tensor, w: Tensor, fn: typeof reference): Tensor[] {
  const leaf = x.detach().requiresGrad_(true);
  const out = fn(leaf, cos, sin);
  out.mul(w.to(out.dtype)).sum().backward();
  return [out, leaf.grad!];
}

test('rotaryEmbedding in float32 equals the composed definition in float64, gradients too', scoped(() => {
  const [B, H, T, d] = [2, 3, 5, 8];
  const x = values([B, T, H, d], 1).transpose(1, 2); // the projection's layout seen as (B, H, T, d)
  const angles = values([B, T, d / 2], 2);
  const cos = cat([angles, angles], -1).cos();
  const sin = cat([angles, angles], -1).sin();
  const w = values([B, H, T, d], 3);
  const got = grads(x.float(), cos.float(), sin.float(), w, F.rotaryEmbedding);
  const want = grads(x, cos, sin, w, reference);
  assert.equal(got[0]!.dtype, 'float32');
  assertClose(got[0]!.double(), want[0]!.toArray(), { ...FLOAT32, msg: 'out' });
  assertClose(got[1]!.double(), want[1]!.toArray(), { ...FLOAT32, msg: 'dx' });
  // Tables shared by the batch (B = 1) broadcast like the composed form's.
  const shared = grads(x.float(), cos.narrow(0, 0, 1).float(), sin.narrow(0, 0, 1).float(), w, F.rotaryEmbedding);
  const sharedWant = grads(x, cos.narrow(0, 0, 1), sin.narrow(0, 0, 1), w, reference);
  shared.forEach((t, i) => assertClose(t.double(), sharedWant[i]!.toArray(), FLOAT32));
}));

test('rotaryEmbedding rotates each (first, second) half pair by its angle: a hand-worked case', scoped(() => {
  // d = 2: (x0, x1) -> (x0 cos - x1 sin, x1 cos + x0 sin), the 2-D rotation.
  const x = tensor([[[[1, 0], [0, 2]]]], { dtype: 'float32' }); // (1, 1, 2, 2)
  const [a0, a1] = [Math.PI / 2, Math.PI / 6]; // position 0 and position 1
  const cos = tensor([[[Math.cos(a0), Math.cos(a0)], [Math.cos(a1), Math.cos(a1)]]], { dtype: 'float32' }); // (1, 2, 2)
  const sin = tensor([[[Math.sin(a0), Math.sin(a0)], [Math.sin(a1), Math.sin(a1)]]], { dtype: 'float32' });
  assertClose(F.rotaryEmbedding(x, cos, sin), [[[[0, 1], [-2 * Math.sin(a1), 2 * Math.cos(a1)]]]], { atol: 1e-6 });
}));
