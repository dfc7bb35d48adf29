/** Factories, dtype inference, TypedArray interop and reading values back out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange, empty, emptyLike, eye, fromTypedArray, full, fullLike, linspace, manualSeed, ones, onesLike, rand, randint,
  randLike, randn, randnLike, scalar, tensor, zeros, zerosLike,
} from '../../src/index.js';
import { assertClose, assertTensor, scoped } from '../helpers/assert.js';
import { opFixtures } from '../helpers/fixtures.js';

test('zeros / ones / full: shape, default dtype, values', scoped(() => {
  assertTensor(zeros([2, 3]), [[0, 0, 0], [0, 0, 0]], 'float32');
  assertTensor(ones([3]), [1, 1, 1], 'float32');
  assertTensor(ones([2], { dtype: 'int64' }), [1, 1], 'int64');
  assertTensor(zeros([2], { dtype: 'bool' }), [false, false], 'bool');
  assert.deepEqual([...zeros([0, 4]).shape], [0, 4]);
  assert.deepEqual([...zeros([]).shape], []);
  // torch.full infers the dtype from the fill value.
  assertTensor(full([2, 2], 2.5), [[2.5, 2.5], [2.5, 2.5]], 'float32');
  assertTensor(full([2], 7), [7, 7], 'int64');
  assertTensor(full([2], true), [true, true], 'bool');
  assertTensor(full([2], 3, { dtype: 'float64' }), [3, 3], 'float64');
  assert.deepEqual([...empty([4, 2]).shape], [4, 2]);
  assert.equal(empty([4, 2]).dtype, 'float32');
}));

test('arange: integer arguments give int64, fractional ones float32', scoped(() => {
  assertTensor(arange(5), [0, 1, 2, 3, 4], 'int64');
  assertTensor(arange(2, 6), [2, 3, 4, 5], 'int64');
  assertTensor(arange(5, 0, -2), [5, 3, 1], 'int64');
  assertTensor(arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75], 'float32');
  assertTensor(arange(0.5, 3), [0.5, 1.5, 2.5], 'float32');
  assertTensor(arange(3, undefined, 1, { dtype: 'float64' }), [0, 1, 2], 'float64');
  assert.equal(arange(0).numel, 0);
}));

test('linspace and eye', scoped(() => {
  assertClose(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(linspace(0, 1, 5).dtype, 'float32');
  assertTensor(linspace(-1, 1, 3, { dtype: 'float64' }), [-1, 0, 1], 'float64');
  assertTensor(linspace(2, 2, 1), [2], 'float32');
  assertTensor(eye(3), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 'float32');
  assertTensor(eye(2, 3), [[1, 0, 0], [0, 1, 0]], 'float32');
  assertTensor(eye(2, 2, { dtype: 'int64' }), [[1, 0], [0, 1]], 'int64');
}));

test('rand, randn, randint: ranges and rough statistics', scoped(() => {
  manualSeed(1);
  const u = rand([20000]);
  assert.equal(u.dtype, 'float32');
  assert.ok(u.min().item() >= 0 && u.max().item() < 1, 'rand in [0, 1)');
  assert.ok(Math.abs(u.mean().item() - 0.5) < 0.01, 'rand mean ~ 0.5');
  assert.equal(rand([2], { dtype: 'float64' }).dtype, 'float64');

  const n = randn([20000]);
  assert.ok(Math.abs(n.mean().item()) < 0.03, `randn mean ~ 0, got ${n.mean().item()}`);
  assert.ok(Math.abs(n.std().item() - 1) < 0.03, `randn std ~ 1, got ${n.std().item()}`);
  assert.deepEqual([...randn([3, 4]).shape], [3, 4]);

  const r = randint(-3, 4, [5000]);
  assert.equal(r.dtype, 'int64');
  assert.equal(r.min().item(), -3);
  assert.equal(r.max().item(), 3, 'high is exclusive');
  assert.equal(randint(0, 10, [4], { dtype: 'int32' }).dtype, 'int32');
}));

test('seeded rand/randn/randint match PyTorch for the same seed', scoped(() => {
  const fx = opFixtures().rng;
  manualSeed(0);
  assertClose(randn([5]), fx.seed0_randn5_f32, { atol: 1e-7 });
  manualSeed(0);
  assertClose(randn([20]), fx.seed0_randn20_f32, { atol: 1e-7 });
  manualSeed(0);
  assertClose(rand([5]), fx.seed0_rand5_f32, { atol: 1e-7 });
  manualSeed(123);
  assertTensor(randint(0, 10, [8]), fx.seed123_randint_0_10_8, 'int64');
}));

test('*Like factories keep shape and dtype unless told otherwise', scoped(() => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assertTensor(zerosLike(x), [[0, 0, 0], [0, 0, 0]], 'int64');
  assertTensor(onesLike(x, { dtype: 'float64' }), [[1, 1, 1], [1, 1, 1]], 'float64');
  assertTensor(fullLike(x, 9), [[9, 9, 9], [9, 9, 9]], 'int64');
  const f = tensor([[0.5, 1.5]]);
  assert.deepEqual([...emptyLike(f).shape], [1, 2]);
  const rl = randLike(f);
  assert.equal(rl.dtype, 'float32');
  assert.ok(rl.ge(0).all().item() === 1 && rl.lt(1).all().item() === 1);
  const rn = randnLike(f, { dtype: 'float64' });
  assert.equal(rn.dtype, 'float64');
  assert.deepEqual([...rn.shape], [1, 2]);
  assert.equal(zerosLike(f.requiresGrad_(true)).requiresGrad, false);
}));

test('scalar(): 0-d tensors', scoped(() => {
  // Like torch.scalar_tensor, the dtype is the default float unless given.
  const i = scalar(3, { dtype: 'int64' });
  assert.deepEqual([...i.shape], []);
  assert.equal(i.dtype, 'int64');
  assert.equal(i.item(), 3);
  assert.equal(scalar(2.5).dtype, 'float32');
  assert.equal(scalar(true, { dtype: 'bool' }).item(), 1);
  assert.equal(scalar(1, { dtype: 'float64' }).dtype, 'float64');
  assert.equal(scalar(2.5).toArray(), 2.5);
}));

test('tensor() from nested arrays infers bool / int64 / float32', scoped(() => {
  assertTensor(tensor([[1, 2], [3, 4]]), [[1, 2], [3, 4]], 'int64');
  assertTensor(tensor([1.5, 2]), [1.5, 2], 'float32');
  assertTensor(tensor([true, false]), [true, false], 'bool');
  assertTensor(tensor([[[1], [2]], [[3], [4]]]), [[[1], [2]], [[3], [4]]], 'int64');
  assertTensor(tensor([1, 2], { dtype: 'float64' }), [1, 2], 'float64');
  const e = tensor([]);
  assert.deepEqual([...e.shape], [0]);
  assert.equal(e.dtype, 'float32');
  assert.equal(tensor(5).ndim, 0);
  assert.equal(tensor([1.5], { requiresGrad: true }).requiresGrad, true);
}));

test('tensor() rejects ragged nested arrays with a TypeError', scoped(() => {
  assert.throws(() => tensor([[1, 2], [3]]), TypeError);
  assert.throws(() => tensor([[1], 2]), TypeError);
  // torch.tensor([1, [2]]) raises too; a scalar followed by a list is just as ragged.
  assert.throws(() => tensor([1, [2]]), TypeError);
  assert.throws(() => tensor([1, [2, 3]]), TypeError);
}));

test('tensor() from a TypedArray copies; dtype from the array type', scoped(() => {
  const data = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = tensor(data, { shape: [2, 3] });
  assertTensor(t, [[1, 2, 3], [4, 5, 6]], 'float32');
  data[0] = 100;
  assert.equal(t.toArray().toString(), '1,2,3,4,5,6', 'a copy does not see later writes');
  assert.equal(tensor(new Float64Array([1])).dtype, 'float64');
  assert.equal(tensor(new Int32Array([1])).dtype, 'int32');
  assert.equal(tensor(new Uint8Array([1])).dtype, 'uint8');
  assertTensor(tensor(new BigInt64Array([5n, -7n])), [5, -7], 'int64');
  assert.throws(() => tensor(new Uint16Array([1])), TypeError, 'Uint16Array needs an explicit dtype');
  assertTensor(tensor(new Uint16Array([0x3e00]), { dtype: 'float16' }), [1.5], 'float16');
  assertTensor(tensor(new Uint16Array([0x3fc0]), { dtype: 'bfloat16' }), [1.5], 'bfloat16');
}));

test('fromTypedArray shares memory with the array, both ways', scoped(() => {
  const data = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = fromTypedArray(data, [2, 3]);
  assert.deepEqual([...t.shape], [2, 3]);
  data[1] = 42;
  assertTensor(t, [[1, 42, 3], [4, 5, 6]], 'float32');
  t.mul_(2);
  assert.deepEqual(Array.from(data), [2, 84, 6, 8, 10, 12], 'in-place ops write into the array');
  // A subarray view: the tensor covers exactly its window of the buffer.
  const base = new Float32Array([0, 1, 2, 3, 4, 5]);
  const win = fromTypedArray(base.subarray(2, 5));
  assertTensor(win, [2, 3, 4], 'float32');
  win.mul_(10);
  assert.deepEqual(Array.from(base), [0, 1, 20, 30, 40, 5]);
  assertTensor(tensor(base.subarray(1, 3)), [1, 20], 'float32');
  const ints = new BigInt64Array([1n, 2n]);
  const ti = fromTypedArray(ints);
  ints[0] = 7n;
  assertTensor(ti, [7, 2], 'int64');
}));

test('toTypedArray / toArray / item for each dtype', scoped(() => {
  const f32 = tensor([0.1, -2.5]);
  assert.ok(f32.toTypedArray() instanceof Float32Array);
  assert.deepEqual(f32.toArray(), [Math.fround(0.1), -2.5]);
  const f64 = tensor([0.1], { dtype: 'float64' });
  assert.ok(f64.toTypedArray() instanceof Float64Array);
  assert.equal(f64.item(), 0.1);
  const i32 = tensor([-3, 4], { dtype: 'int32' });
  assert.deepEqual(Array.from(i32.toTypedArray() as Int32Array), [-3, 4]);
  const u8 = tensor([0, 255], { dtype: 'uint8' });
  assert.deepEqual(Array.from(u8.toTypedArray() as Uint8Array), [0, 255]);
  const b = tensor([true, false, true]);
  assert.deepEqual(Array.from(b.toTypedArray() as Uint8Array), [1, 0, 1]);
  assert.deepEqual(b.toArray(), [true, false, true]);
  assert.equal(tensor([true]).item(), 1);
  assert.equal(tensor([[2.5]]).item(), 2.5, 'item of a one-element 2-d tensor');
}));

test('int64 beyond 2^32 (and 2^53 through BigInt64Array) round-trips', scoped(() => {
  const big = 2 ** 40 + 3;
  const t = tensor([big, -big]);
  assert.equal(t.dtype, 'int64');
  assert.deepEqual(t.toArray(), [big, -big]);
  assert.equal(t.select(0, 0).item(), big);
  assert.deepEqual(Array.from(t.toTypedArray() as BigInt64Array), [BigInt(big), BigInt(-big)]);
  const huge = 2n ** 60n + 1n;
  const h = tensor(BigInt64Array.of(huge));
  assert.equal((h.toTypedArray() as BigInt64Array)[0], huge);
  assert.equal((h.mul(2).toTypedArray() as BigInt64Array)[0], huge * 2n, 'exact int64 arithmetic');
}));

test('float16 / bfloat16: exact values and PyTorch bit patterns', scoped(() => {
  const fx = opFixtures().half_bits;
  for (const dtype of ['float16', 'bfloat16'] as const) {
    const t = tensor(fx.values as number[], { dtype });
    assert.equal(t.dtype, dtype);
    const bits = t.toTypedArray();
    assert.ok(bits instanceof Uint16Array);
    assert.deepEqual(Array.from(bits), fx[`${dtype}_bits`], `${dtype} bits`);
    assert.deepEqual(t.toArray(), fx[`${dtype}_values`], `${dtype} values`);
    assert.equal(scalar(1.5, { dtype }).item(), 1.5);
    assert.equal(tensor([1.5]).to(dtype).to('float32').item(), 1.5);
  }
}));

test('to(): dtype conversions follow PyTorch (float -> int truncates)', scoped(() => {
  assertTensor(tensor([1.7, -1.7, 2.5]).long(), [1, -1, 2], 'int64');
  assertTensor(tensor([0, 2, -1]).bool(), [false, true, true], 'bool');
  assertTensor(tensor([true, false]).float(), [1, 0], 'float32');
  assertTensor(tensor([1, 2]).double(), [1, 2], 'float64');
  assert.equal(tensor([1.5]).half().dtype, 'float16');
  assert.equal(tensor([1.5]).int().dtype, 'int32');
  const x = tensor([1, 2, 3]);
  const c = x.clone();
  c.mul_(5);
  assertTensor(x, [1, 2, 3], 'int64');
  assert.equal(x.device, 'cpu');
  const dst = zeros([2, 2]);
  dst.copy_(tensor([1, 2]));
  assertTensor(dst, [[1, 2], [1, 2]], 'float32');
}));

test('fromTypedArray refuses misaligned data it cannot share; tensor() copies it', scoped(() => {
  const bytes = new Uint8Array(12);
  new Float32Array(bytes.buffer, 4, 2).set([1.5, -2.25]);
  const misaligned = new Uint8Array(bytes.buffer, 2, 8);
  assert.throws(() => fromTypedArray(misaligned, [2], 'float32'), /not a multiple of 4.*copy it with tensor\(\)/);
  const aligned = new Uint8Array(bytes.buffer, 4, 8);
  assert.deepEqual(fromTypedArray(aligned, [2], 'float32').toArray(), [1.5, -2.25]);
  assert.deepEqual(tensor(aligned, { dtype: 'float32', shape: [2] }).toArray(), [1.5, -2.25]);
}));
