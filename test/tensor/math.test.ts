/** Elementwise arithmetic: broadcasting, type promotion, unary math, in-place ops, comparisons. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maximum, minimum, pow, scalar, tensor, zeros } from '../../src/index.js';
import { assertClose, assertTensor, scoped } from '../helpers/assert.js';

test('add / sub / mul / div broadcast (float32)', scoped(() => {
  const a = tensor([[1], [2]]).float(); // (2, 1)
  const b = tensor([10, 20, 30]).float(); // (3)
  assertTensor(a.add(b), [[11, 21, 31], [12, 22, 32]], 'float32');
  assertTensor(a.sub(b), [[-9, -19, -29], [-8, -18, -28]], 'float32');
  assertTensor(a.mul(b), [[10, 20, 30], [20, 40, 60]], 'float32');
  assertClose(a.div(b), [[0.1, 0.05, 1 / 30], [0.2, 0.1, 2 / 30]]);
  assertTensor(a.add(b, 2), [[21, 41, 61], [22, 42, 62]], 'float32');
  assertTensor(a.sub(b, 0.5), [[-4, -9, -14], [-3, -8, -13]], 'float32');
  assertTensor(b.rsub(100), [90, 80, 70], 'float32');
  assertTensor(b.rdiv(60), [6, 3, 2], 'float32');
}));

test('add / sub on integer tensors stay integer (alpha defaults to the integer 1)', scoped(() => {
  assertTensor(tensor([1, 2]).add(tensor([3, 4])), [4, 6], 'int64');
  assertTensor(tensor([1, 2]).add(3), [4, 5], 'int64');
  assertTensor(tensor([5, 7]).sub(tensor([1, 2])), [4, 5], 'int64');
  assertTensor(tensor([1, 2]).add(tensor([3, 4]), 2), [7, 10], 'int64');
  assertTensor(tensor([1, 2], { dtype: 'int32' }).sub(1), [0, 1], 'int32');
  assertTensor(tensor([true, false]).add(tensor([1, 2])), [2, 2], 'int64'); // bool + int -> int64
  const x = tensor([1, 2]);
  x.add_(1);
  x.sub_(tensor([1, 1]), 2);
  assertTensor(x, [0, 1], 'int64');
  const big = tensor(BigInt64Array.of(2n ** 60n));
  assert.equal((big.add(1).toTypedArray() as BigInt64Array)[0], 2n ** 60n + 1n);
}));

test('type promotion follows PyTorch', scoped(() => {
  const i64 = tensor([1, 2]);
  const f32 = tensor([0.5, 0.25]);
  const f64 = tensor([0.5, 0.25], { dtype: 'float64' });
  assertTensor(i64.mul(f32), [0.5, 0.5], 'float32');
  assertTensor(f32.add(i64), [1.5, 2.25], 'float32');
  assertTensor(i64.add(f32), [1.5, 2.25], 'float32');
  assertTensor(f32.add(f64), [1, 0.5], 'float64');
  assertTensor(i64.div(tensor([2, 4])), [0.5, 0.5], 'float32'); // true division
  assertTensor(tensor([7]).div(2), [3.5], 'float32');
  // bool with int promotes to int64.
  assertTensor(tensor([true, false]).mul(tensor([3, 3])), [3, 0], 'int64');
  assertTensor(tensor([true, false]).mul(2.5), [2.5, 0], 'float32');
  // Scalars do not widen within a category: int tensors stay int, float16 stays float16.
  assertTensor(i64.mul(3), [3, 6], 'int64');
  assertTensor(tensor([1, 2], { dtype: 'int32' }).mul(3), [3, 6], 'int32');
  assertTensor(i64.mul(2.5), [2.5, 5], 'float32');
  assertTensor(tensor([1.5], { dtype: 'float16' }).add(1.5), [3], 'float16');
  assertTensor(tensor([1.5], { dtype: 'bfloat16' }).mul(tensor([2], { dtype: 'float32' })), [3], 'float32');
  // A 0-d tensor of a higher category decides the category.
  assertTensor(i64.mul(scalar(0.5, { dtype: 'float64' })), [0.5, 1], 'float64');
  assertTensor(maximum(i64, tensor([3, 1]).float()), [3, 2], 'float32');
}));

test('floorDivide and remainder round toward -infinity', scoped(() => {
  assertTensor(tensor([-7, 7]).floorDivide(2), [-4, 3], 'int64');
  assertTensor(tensor([-7, 7]).float().floorDivide(2), [-4, 3], 'float32');
  assertTensor(tensor([-7, 7]).remainder(3), [2, 1], 'int64');
  assertTensor(tensor([-7, 7]).float().remainder(-3), [-1, -2], 'float32');
}));

test('pow: tensor ** scalar, tensor ** tensor, scalar ** tensor', scoped(() => {
  assertTensor(tensor([2, 3]).pow(2), [4, 9], 'int64');
  assertClose(tensor([4, 9]).float().pow(0.5), [2, 3]);
  assertTensor(tensor([2, 3]).float().pow(tensor([3, 2])), [8, 9], 'float32');
  assertTensor(pow(2, tensor([1, 2, 3])), [2, 4, 8], 'int64');
  assertTensor(pow(2.5, tensor([1, 2])), [2.5, 6.25], 'float32');
  assertTensor(pow(2, tensor([1, 2]).float()), [2, 4], 'float32');
}));

test('maximum, minimum, clamp, lerp', scoped(() => {
  const a = tensor([1, 5, -2]).float();
  const b = tensor([3, 2, -2]).float();
  assertTensor(a.maximum(b), [3, 5, -2], 'float32');
  assertTensor(minimum(a, b), [1, 2, -2], 'float32');
  assertTensor(maximum(a, tensor([0]).float()), [1, 5, 0], 'float32');
  assertTensor(a.clamp(0, 2), [1, 2, 0]);
  assertTensor(a.clamp(0), [1, 5, 0]);
  assertTensor(a.clamp(null, 1), [1, 1, -2]);
  assertTensor(tensor([0, 10]).float().lerp(tensor([10, 20]).float(), 0.25), [2.5, 12.5]);
  assertTensor(tensor([0, 10]).float().lerp(tensor([10, 20]).float(), tensor([0, 1]).float()), [0, 20]);
}));

test('unary math against Math.*', scoped(() => {
  const xs = [0.25, 0.5, 1, 2, 3.5];
  const x = tensor(xs, { dtype: 'float64' });
  const close = (t: ReturnType<typeof tensor>, f: (v: number) => number, name: string): void =>
    assertClose(t, xs.map(f), { atol: 1e-12, rtol: 1e-12, msg: name });
  close(x.neg(), (v) => -v, 'neg');
  close(x.exp(), Math.exp, 'exp');
  close(x.log(), Math.log, 'log');
  close(x.log1p(), Math.log1p, 'log1p');
  close(x.expm1(), Math.expm1, 'expm1');
  close(x.sqrt(), Math.sqrt, 'sqrt');
  close(x.rsqrt(), (v) => 1 / Math.sqrt(v), 'rsqrt');
  close(x.neg().abs(), (v) => v, 'abs');
  close(x.sin(), Math.sin, 'sin');
  close(x.cos(), Math.cos, 'cos');
  close(x.reciprocal(), (v) => 1 / v, 'reciprocal');
  close(x.square(), (v) => v * v, 'square');
  assertTensor(tensor([-2.5, 0, 3]).sign(), [-1, 0, 1], 'float32');
  assertTensor(tensor([-1.5, 1.5]).floor(), [-2, 1]);
  assertTensor(tensor([-1.5, 1.5]).ceil(), [-1, 2]);
  assertTensor(tensor([0.5, 1.5, 2.5, -1.5]).round(), [0, 2, 2, -2], 'float32'); // half to even
  assertTensor(tensor([-3, 4]).abs(), [3, 4], 'int64');
  assert.equal(tensor([1, 2]).exp().dtype, 'float32', 'integer input gives float output');
  const f32max = 3.4028234663852886e38;
  assertTensor(tensor([NaN, Infinity, -Infinity, 1]).nanToNum(), [0, f32max, -f32max, 1]);
  assertTensor(tensor([NaN, Infinity, -Infinity]).nanToNum({ nan: 1, posinf: 2, neginf: -2 }), [1, 2, -2]);
  assertClose(tensor([0, -1]).log(), [-Infinity, NaN]);
}));

test('in-place variants mutate and return this', scoped(() => {
  const x = tensor([1, 4, 9]).float();
  assert.equal(x.add_(1), x);
  assertTensor(x, [2, 5, 10], 'float32');
  x.sub_(tensor([1, 1, 1]).float(), 2);
  assertTensor(x, [0, 3, 8]);
  x.mul_(2).div_(tensor([1, 2, 4]).float());
  assertTensor(x, [0, 3, 4]);
  x.pow_(2);
  assertTensor(x, [0, 9, 16]);
  x.sqrt_().neg_();
  assertTensor(x, [-0, -3, -4]);
  x.abs_().clamp_(1, 3.5);
  assertTensor(x, [1, 3, 3.5]);
  x.log_().exp_();
  assertClose(x, [1, 3, 3.5]);
  x.fill_(2);
  assertTensor(x, [2, 2, 2]);
  x.addcmul_(tensor([1, 2, 3]).float(), tensor([2, 2, 2]).float(), 0.5);
  assertTensor(x, [3, 4, 5]);
  x.addcdiv_(tensor([2, 4, 6]).float(), tensor([2, 2, 2]).float(), 2);
  assertTensor(x, [5, 8, 11]);
  x.lerp_(tensor([7, 8, 9]).float(), 0.5);
  assertTensor(x, [6, 8, 10]);
  x.zero_();
  assertTensor(x, [0, 0, 0]);
  const v = zeros([2, 3]);
  v.select(0, 1).fill_(1); // writes through a view
  assertTensor(v, [[0, 0, 0], [1, 1, 1]]);
  const u = zeros([1000]).uniform_(2, 3);
  assert.ok(u.min().item() >= 2 && u.max().item() < 3);
  const n = zeros([20000]).normal_(5, 2);
  assert.ok(Math.abs(n.mean().item() - 5) < 0.1 && Math.abs(n.std().item() - 2) < 0.1);
}));

test('comparisons give bool tensors, with broadcasting and scalars', scoped(() => {
  const a = tensor([1, 2, 3]);
  const b = tensor([3, 2, 1]);
  assertTensor(a.eq(b), [false, true, false], 'bool');
  assertTensor(a.ne(b), [true, false, true], 'bool');
  assertTensor(a.lt(b), [true, false, false], 'bool');
  assertTensor(a.le(b), [true, true, false], 'bool');
  assertTensor(a.gt(2), [false, false, true], 'bool');
  assertTensor(a.ge(2.5), [false, false, true], 'bool');
  assertTensor(a.float().eq(tensor([[1], [2]])), [[true, false, false], [false, true, false]], 'bool');
  assertTensor(tensor([NaN, 1]).eq(tensor([NaN, 1])), [false, true]);
}));

test('logical ops, isnan/isinf/isfinite, allclose, equal', scoped(() => {
  const p = tensor([true, true, false, false]);
  const q = tensor([true, false, true, false]);
  assertTensor(p.logicalAnd(q), [true, false, false, false], 'bool');
  assertTensor(p.logicalOr(q), [true, true, true, false], 'bool');
  assertTensor(p.logicalXor(q), [false, true, true, false], 'bool');
  assertTensor(p.logicalNot(), [false, false, true, true], 'bool');
  assertTensor(tensor([0, 2]).logicalAnd(tensor([1, 1])), [false, true], 'bool');
  const x = tensor([1, NaN, Infinity, -Infinity]);
  assertTensor(x.isnan(), [false, true, false, false]);
  assertTensor(x.isinf(), [false, false, true, true]);
  assertTensor(x.isfinite(), [true, false, false, false]);
  const y = tensor([1, 2]);
  assert.equal(y.float().allclose(tensor([1 + 1e-7, 2])), true);
  assert.equal(y.float().allclose(tensor([1.1, 2])), false);
  assert.equal(y.float().allclose(tensor([1.1, 2]), { atol: 0.2 }), true);
  assert.equal(tensor([NaN]).allclose(tensor([NaN])), false);
  assert.equal(tensor([NaN]).allclose(tensor([NaN]), { equalNan: true }), true);
  assert.equal(y.equal(tensor([1, 2])), true);
  assert.equal(y.equal(tensor([1, 3])), false);
  assert.equal(y.equal(tensor([[1, 2]])), false, 'different shapes are not equal');
}));
