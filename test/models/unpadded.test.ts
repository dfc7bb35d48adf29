/** Padding-free execution: the packed layout, packed attention, and a padded batch run without its pads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, F, tensor, type Tensor } from '../../src/index.js';
import { pack, unpack, unpaddedLayout } from '../../src/models/unpadded.js';
import { assertClose, scoped, uniform } from '../helpers/assert.js';

test('unpaddedLayout: real positions row by row, pads pointing at the zero row, a sequence per row and per packed segment', scoped(() => {
  const mask = tensor([[0, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]], { dtype: 'int64' }); // left pad, right pad, empty row
  const l = unpaddedLayout(3, 4, mask);
  assert.deepEqual(l.index.flatValues(), [1, 2, 3, 4, 5]);
  assert.deepEqual(l.inverse.flatValues(), [5, 0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5]);
  assert.deepEqual(l.starts.flatValues(), [0, 3, 5]);
  // Packed rows (no padding): a new sequence wherever the segment id changes, and at each row.
  const segments = tensor([[1, 1, 2, 2, 2], [1, 2, 3, 3, 3]], { dtype: 'int64' });
  assert.deepEqual(unpaddedLayout(2, 5, undefined, segments).starts.flatValues(), [0, 2, 5, 6, 7, 10]);
  // pack then unpack gives the real values back and zeros at the pads, gradients only to real positions.
  const x = tensor(uniform(3 * 4 * 2, 1), { dtype: 'float64' }).reshape(3, 4, 2).requiresGrad_(true);
  const round = unpack(pack(x, l), l);
  const keep = mask.unsqueeze(-1).to('float64');
  assertClose(round, x.mul(keep).toArray(), { atol: 0, rtol: 0 });
  round.sum().backward();
  assertClose(x.grad!, keep.expand(3, 4, 2).toArray(), { atol: 0, rtol: 0 });
}));

test('packedCausalAttention equals causal attention run on each sequence alone (grouped heads), gradients too', scoped(() => {
  const lengths = [70, 1, 133];
  const [H, KV, d] = [4, 2, 8];
  const N = lengths.reduce((a, b) => a + b, 0);
  const starts = tensor([0, 70, 71, N], { dtype: 'int64' });
  const q = tensor(uniform(N * H * d, 2, -2, 2), { dtype: 'float32' }).reshape(1, N, H, d).transpose(1, 2).requiresGrad_(true);
  const k = tensor(uniform(KV * N * d, 3, -2, 2), { dtype: 'float32' }).reshape(1, KV, N, d).requiresGrad_(true);
  const v = tensor(uniform(KV * N * d, 4, -2, 2), { dtype: 'float32' }).reshape(1, KV, N, d).requiresGrad_(true);
  const w = tensor(uniform(H * N * d, 5), { dtype: 'float32' }).reshape(1, H, N, d);
  const packed = F.packedCausalAttention(q, k, v, starts);
  packed.mul(w).sum().backward();
  // The reference: each sequence alone through the float64 math path.
  const [q64, k64, v64] = [q, k, v].map((t) => t.detach().double().requiresGrad_(true)) as [Tensor, Tensor, Tensor];
  const outs: Tensor[] = [];
  let offset = 0;
  for (const n of lengths) {
    const part = (t: Tensor) => t.narrow(2, offset, n);
    outs.push(F.scaledDotProductAttention(part(q64), part(k64), part(v64), { isCausal: n > 1, enableGqa: true, forceMath: true }));
    offset += n;
  }
  const want = cat(outs, 2);
  want.mul(w.double()).sum().backward();
  const tol = { atol: 2e-5, rtol: 1e-4 };
  assertClose(packed.double(), want.toArray(), { ...tol, msg: 'out' });
  assertClose(q.grad!.double(), q64.grad!.toArray(), { ...tol, msg: 'dq' });
  assertClose(k.grad!.double(), k64.grad!.toArray(), { ...tol, msg: 'dk' });
  assertClose(v.grad!.double(), v64.grad!.toArray(), { ...tol, msg: 'dv' });
  assert.throws(() => F.packedCausalAttention(q, k, v, tensor([0, 70, N - 1], { dtype: 'int64' })), /sequence starts must run from 0 to N = 204/);
}));
