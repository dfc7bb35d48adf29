/**
 * Finite-difference gradient checks (float64, central differences, eps 1e-6) for
 * elementwise math, activations, reductions and shape ops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cat, maximum, minimum, pow, stack, tensor, where, type Tensor } from '../../src/index.js';
import { scoped } from '../helpers/assert.js';
import { gradcheck, rand64, signed64, type GradcheckOptions } from '../helpers/gradcheck.js';

type Case = [name: string, fn: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[], options?: GradcheckOptions];

const pos = (shape: number[], seed: number): Tensor => rand64(shape, seed, 0.5, 2);

const cases: Case[] = [
  // ---- arithmetic (with broadcasting: the smaller input's gradient is reduced) ----
  ['add', (a, b) => a.add(b), () => [rand64([2, 3], 1), rand64([3], 2)]],
  ['add alpha', (a, b) => a.add(b, 2.5), () => [rand64([2, 3], 1), rand64([2, 1], 2)]],
  ['add scalar', (a) => a.add(1.5), () => [rand64([4], 1)]],
  ['sub', (a, b) => a.sub(b), () => [rand64([2, 3], 3), rand64([2, 1], 4)]],
  ['rsub', (a) => a.rsub(2), () => [rand64([3], 3)]],
  ['mul', (a, b) => a.mul(b), () => [rand64([2, 3], 5), rand64([3], 6)]],
  ['div', (a, b) => a.div(b), () => [rand64([2, 3], 7), pos([2, 3], 8)]],
  ['rdiv', (a) => a.rdiv(3), () => [pos([3], 8)]],
  ['pow tensor^scalar', (a) => a.pow(3), () => [rand64([5], 9)]],
  ['pow tensor^0.5', (a) => a.pow(0.5), () => [pos([5], 9)]],
  ['pow tensor^tensor', (a, b) => a.pow(b), () => [pos([4], 10), rand64([4], 11)]],
  ['pow scalar^tensor', (a) => pow(2.5, a), () => [rand64([4], 12)]],
  ['neg', (a) => a.neg(), () => [rand64([4], 13)]],
  ['exp', (a) => a.exp(), () => [rand64([4], 14)]],
  ['log', (a) => a.log(), () => [pos([4], 15)]],
  ['log1p', (a) => a.log1p(), () => [rand64([4], 16, -0.5, 2)]],
  ['sqrt', (a) => a.sqrt(), () => [pos([4], 17)]],
  ['rsqrt', (a) => a.rsqrt(), () => [pos([4], 18)]],
  ['abs', (a) => a.abs(), () => [signed64([6], 19)]],
  ['clamp both', (a) => a.clamp(-0.5, 0.6), () => [rand64([8], 20, -1.2, 1.2)]],
  ['clamp min', (a) => a.clamp(0.1), () => [rand64([8], 21)]],
  ['clamp max', (a) => a.clamp(null, 0.1), () => [rand64([8], 22)]],
  ['maximum', (a, b) => maximum(a, b), () => [rand64([6], 23), rand64([6], 24)]],
  ['minimum', (a, b) => minimum(a, b), () => [rand64([6], 25), rand64([6], 26)]],
  ['maximum method broadcast', (a, b) => a.maximum(b), () => [rand64([2, 3], 27), rand64([3], 28)]],
  ['where', (a, b) => where(tensor([[true, false, true], [false, false, true]]), a, b), () => [rand64([2, 3], 29), rand64([2, 3], 30)]],
  ['where scalar other', (a) => a.where(tensor([true, false, true]), 0.5), () => [rand64([3], 31)]],
  ['square / reciprocal', (a) => a.square().add(a.reciprocal()), () => [pos([4], 32)]],
  ['lerp', (a, b) => a.lerp(b, 0.3), () => [rand64([4], 33), rand64([4], 34)]],
  // ---- activations ----
  ['relu', (a) => a.relu(), () => [signed64([8], 40)]],
  ['gelu (erf)', (a) => a.gelu(), () => [rand64([8], 41, -3, 3)]],
  ['gelu (tanh)', (a) => a.gelu('tanh'), () => [rand64([8], 42, -3, 3)]],
  ['silu', (a) => a.silu(), () => [rand64([8], 43, -3, 3)]],
  ['sigmoid', (a) => a.sigmoid(), () => [rand64([8], 44, -3, 3)]],
  ['tanh', (a) => a.tanh(), () => [rand64([8], 45, -3, 3)]],
  ['softplus', (a) => a.softplus(), () => [rand64([8], 46, -3, 3)]],
  ['softplus beta 2', (a) => a.softplus(2, 20), () => [rand64([8], 47, -3, 3)]],
  ['logsigmoid', (a) => a.logsigmoid(), () => [rand64([8], 48, -3, 3)]],
  ['softmax last dim', (a) => a.softmax(-1), () => [rand64([3, 4], 49, -2, 2)]],
  ['softmax dim 0', (a) => a.softmax(0), () => [rand64([3, 4], 50, -2, 2)]],
  ['logSoftmax', (a) => a.logSoftmax(-1), () => [rand64([3, 4], 51, -2, 2)]],
  ['logSoftmax dim 0', (a) => a.logSoftmax(0), () => [rand64([3, 4], 52, -2, 2)]],
  // ---- reductions ----
  ['sum all', (a) => a.sum(), () => [rand64([2, 3], 60)]],
  ['sum dim keepdim', (a) => a.sum({ dim: 1, keepdim: true }), () => [rand64([2, 3], 61)]],
  ['sum dims', (a) => a.sum({ dim: [0, 2] }), () => [rand64([2, 3, 2], 62)]],
  ['mean all', (a) => a.mean(), () => [rand64([2, 3], 63)]],
  ['mean dim', (a) => a.mean({ dim: 0 }), () => [rand64([2, 3], 64)]],
  ['var unbiased', (a) => a.var(), () => [rand64([2, 3], 65)]],
  ['var biased dim', (a) => a.var({ dim: 1, unbiased: false }), () => [rand64([2, 4], 66)]],
  ['std unbiased dim', (a) => a.std({ dim: 1 }), () => [rand64([2, 4], 67)]],
  ['std biased all', (a) => a.std({ unbiased: false }), () => [rand64([2, 3], 68)]],
  ['max all', (a) => a.max(), () => [rand64([2, 3], 69)]],
  ['max dim', (a) => a.max({ dim: 1 }), () => [rand64([3, 4], 70)]],
  ['min dim keepdim', (a) => a.min({ dim: 0, keepdim: true }), () => [rand64([3, 4], 71)]],
  ['maxWithIndices values', (a) => a.maxWithIndices({ dim: -1 }).values, () => [rand64([3, 4], 72)]],
  ['logsumexp', (a) => a.logsumexp({ dim: -1 }), () => [rand64([3, 4], 73, -2, 2)]],
  ['logsumexp dims', (a) => a.logsumexp({ dim: [0, 1], keepdim: true }), () => [rand64([3, 4], 74, -2, 2)]],
  ['cumsum', (a) => a.cumsum(1), () => [rand64([2, 4], 75)]],
  ['cumsum dim 0', (a) => a.cumsum(0), () => [rand64([3, 2], 76)]],
  ['prod', (a) => a.prod({ dim: 1 }), () => [rand64([2, 3], 77)]],
  ['norm', (a) => a.norm({ dim: 1 }), () => [rand64([2, 3], 78)]],
  // ---- indexing ----
  ['gather', (a) => a.gather(1, tensor([[0, 2, 2], [1, 0, 1]])), () => [rand64([2, 3], 80)]],
  ['indexSelect', (a) => a.indexSelect(0, tensor([2, 0, 2])), () => [rand64([3, 2], 81)]],
  ['index', (a) => a.index([tensor([1, 1, 0]), tensor([0, 2, 1])]), () => [rand64([2, 3], 82)]],
  ['maskedFill', (a) => a.maskedFill(tensor([true, false, false, true]), 0), () => [rand64([4], 83)]],
  ['scatterAdd (src)', (a) => tensor([0, 0, 0], { dtype: 'float64' }).scatterAdd(0, tensor([0, 2, 0, 1]), a), () => [rand64([4], 84)]],
  ['topk values', (a) => a.topk(2).values, () => [rand64([2, 4], 85)]],
  ['triu', (a) => a.triu(), () => [rand64([3, 3], 86)]],
  // ---- shape ----
  ['reshape', (a) => a.reshape(3, 2).mul(tensor([[1], [2], [3]], { dtype: 'float64' })), () => [rand64([2, 3], 90)]],
  ['view', (a) => a.view(6).exp(), () => [rand64([2, 3], 91)]],
  ['transpose', (a) => a.transpose(0, 1).matmul(tensor([[1, 2], [3, 4]], { dtype: 'float64' })), () => [rand64([2, 3], 92)]],
  ['permute', (a) => a.permute(2, 0, 1).reshape(4, 6).cumsum(1), () => [rand64([2, 3, 4], 93)]],
  ['cat', (a, b) => cat([a, b], 1).softmax(-1), () => [rand64([2, 2], 94), rand64([2, 3], 95)]],
  ['stack', (a, b) => stack([a, b], 1).cumsum(1), () => [rand64([3], 96), rand64([3], 97)]],
  ['narrow', (a) => a.narrow(1, 1, 2).exp(), () => [rand64([2, 4], 98)]],
  ['slice with step', (a) => a.slice(0, 1, null, 2).exp(), () => [rand64([6], 99)]],
  ['slice negative', (a) => a.slice(-1, -3, -1).exp(), () => [rand64([2, 5], 100)]],
  ['select', (a) => a.select(1, -1).exp(), () => [rand64([2, 3], 101)]],
  ['expand', (a) => a.expand(3, 4).cumsum(1), () => [rand64([3, 1], 102)]],
  ['squeeze / unsqueeze', (a) => a.squeeze(0).unsqueeze(-1).exp(), () => [rand64([1, 3], 103)]],
  ['flatten', (a) => a.flatten().cumsum(0), () => [rand64([2, 3], 104)]],
  ['split + chunk', (a) => a.split([1, 3], 1)[1]!.mul(a.chunk(2, 1)[0]!.sum({ dim: 1, keepdim: true })), () => [rand64([2, 4], 105)]],
  ['repeat / flip / roll', (a) => a.repeat(2).flip(0).roll(1, 0).cumsum(0), () => [rand64([3], 106)]],
];

for (const [name, fn, inputs, options] of cases) {
  test(`gradcheck: ${name}`, scoped(() => {
    gradcheck(fn, inputs(), { name, ...options });
  }));
}

test('gradcheck itself catches a wrong gradient', scoped(() => {
  // x · detach(x): backward sees only one factor (grad x), the true derivative is 2x.
  assert.throws(() => gradcheck((a) => a.mul(a.detach()), [rand64([3], 200)], { name: 'wrong' }), /analytic/);
  // A constant function has all-zero gradients: the check refuses to pass vacuously.
  assert.throws(() => gradcheck((a) => a.mul(0).sum(), [rand64([3], 201)], { name: 'zero' }), /zero/);
}));
