/**
 * Finite-difference gradient checks (float64, central differences, eps 1e-6) for products,
 * layers, attention and losses.
 */
import { test } from 'node:test';
import { einsum, F, tensor, type Tensor } from '../../src/index.js';
import { scoped } from '../helpers/assert.js';
import { gradcheck, rand64, type GradcheckOptions } from '../helpers/gradcheck.js';

type Case = [name: string, fn: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[], options?: GradcheckOptions];

const targets = (): Tensor => tensor([1, 0, 3, -100, 2]);

const cases: Case[] = [
  // ---- products ----
  ['matmul 2-d', (a, b) => a.matmul(b), () => [rand64([2, 3], 1), rand64([3, 4], 2)]],
  ['matmul batch broadcast', (a, b) => a.matmul(b), () => [rand64([2, 1, 2, 3], 3), rand64([2, 3, 2], 4)]],
  ['matmul vector', (a, b) => a.matmul(b), () => [rand64([3], 5), rand64([3, 2], 6)]],
  ['mm', (a, b) => a.mm(b), () => [rand64([2, 3], 7), rand64([3, 2], 8)]],
  ['bmm', (a, b) => a.bmm(b), () => [rand64([2, 2, 3], 9), rand64([2, 3, 2], 10)]],
  ['einsum bij,bjk->bik', (a, b) => einsum('bij,bjk->bik', a, b), () => [rand64([2, 2, 3], 11), rand64([2, 3, 2], 12)]],
  ['einsum i,j->ij', (a, b) => einsum('i,j->ij', a, b), () => [rand64([3], 13), rand64([2], 14)]],
  ['einsum ii->', (a) => einsum('ii->', a), () => [rand64([3, 3], 15)]],
  // ---- layers ----
  ['linear (x, W, b)', (x, w, b) => F.linear(x, w, b), () => [rand64([2, 3], 20), rand64([4, 3], 21), rand64([4], 22)]],
  ['linear 3-d, no bias', (x, w) => F.linear(x, w), () => [rand64([2, 2, 3], 23), rand64([2, 3], 24)]],
  ['embedding (weight grad)', (w) => F.embedding(tensor([[0, 2], [2, 3]]), w), () => [rand64([4, 3], 25)]],
  // paddingIdx rows get no gradient by design (checked in nn.test.ts), so only rows it does not touch are compared.
  ['embedding paddingIdx (other rows)', (w) => F.embedding(tensor([0, 1, 1, 2]), w, 1).mul(tensor([[1], [0], [0], [1]], { dtype: 'float64' })),
    () => [rand64([3, 2], 26)]],
  ['layerNorm (input, weight, bias)', (x, w, b) => F.layerNorm(x, [4], { weight: w, bias: b }),
    () => [rand64([2, 3, 4], 27, -2, 2), rand64([4], 28, 0.5, 1.5), rand64([4], 29)]],
  ['layerNorm no affine, eps 1e-3', (x) => F.layerNorm(x, [3], { eps: 1e-3 }), () => [rand64([2, 3], 30, -2, 2)]],
  ['layerNorm over two dims', (x) => F.layerNorm(x, [2, 3]), () => [rand64([2, 2, 3], 31, -2, 2)]],
  ['rmsNorm (input, weight)', (x, w) => F.rmsNorm(x, w), () => [rand64([2, 4], 32, -2, 2), rand64([4], 33, 0.5, 1.5)]],
  ['rmsNorm no weight', (x) => F.rmsNorm(x, null, 1e-5), () => [rand64([3, 4], 34, -2, 2)]],
  ['dropout p=0', (x) => F.dropout(x, 0), () => [rand64([4], 35)]],
  // ---- attention ----
  ['sdpa (q, k, v)', (q, k, v) => F.scaledDotProductAttention(q, k, v),
    () => [rand64([1, 2, 3, 4], 40), rand64([1, 2, 5, 4], 41), rand64([1, 2, 5, 3], 42)]],
  ['sdpa causal (q, k, v)', (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }),
    () => [rand64([2, 1, 4, 3], 43), rand64([2, 1, 4, 3], 44), rand64([2, 1, 4, 2], 45)]],
  ['sdpa bool mask', (q, k, v) => F.scaledDotProductAttention(q, k, v, { mask: tensor([[true, false, true], [true, true, false]]) }),
    () => [rand64([1, 1, 2, 3], 46), rand64([1, 1, 3, 3], 47), rand64([1, 1, 3, 2], 48)]],
  ['sdpa float mask + scale', (q, k, v) =>
    F.scaledDotProductAttention(q, k, v, { mask: tensor([[0, -1, 0.5], [2, 0, -0.25]], { dtype: 'float64' }), scale: 0.7 }),
    () => [rand64([1, 1, 2, 3], 49), rand64([1, 1, 3, 3], 50), rand64([1, 1, 3, 2], 51)]],
  ['sdpa forceMath causal', (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true, forceMath: true }),
    () => [rand64([1, 2, 3, 2], 52), rand64([1, 2, 3, 2], 53), rand64([1, 2, 3, 2], 54)]],
  // ---- losses ----
  ['crossEntropy mean', (x) => F.crossEntropy(x, targets()), () => [rand64([5, 4], 60, -2, 2)]],
  ['crossEntropy label smoothing + ignoreIndex', (x) => F.crossEntropy(x, targets(), { labelSmoothing: 0.1 }),
    () => [rand64([5, 4], 61, -2, 2)]],
  ['crossEntropy sum, custom ignoreIndex', (x) => F.crossEntropy(x, tensor([1, 0, 3, 2, 2]), { ignoreIndex: 2, reduction: 'sum' }),
    () => [rand64([5, 4], 62, -2, 2)]],
  ['crossEntropy none, weights, smoothing', (x) =>
    F.crossEntropy(x, targets(), { reduction: 'none', labelSmoothing: 0.2, weight: tensor([0.5, 1, 2, 1.5], { dtype: 'float64' }) }),
    () => [rand64([5, 4], 63, -2, 2)]],
  ['crossEntropy (N, C, d)', (x) => F.crossEntropy(x, tensor([[0, 3, -100], [2, 1, 1]])), () => [rand64([2, 4, 3], 64, -2, 2)]],
  ['nllLoss', (x) => F.nllLoss(x.logSoftmax(-1), targets()), () => [rand64([5, 4], 65, -2, 2)]],
  ['mseLoss (input, target)', (a, b) => F.mseLoss(a, b), () => [rand64([2, 3], 66), rand64([2, 3], 67)]],
  ['mseLoss none', (a, b) => F.mseLoss(a, b, { reduction: 'none' }), () => [rand64([4], 68), rand64([4], 69)]],
  ['bceWithLogits (logits, target)', (x, y) => F.binaryCrossEntropyWithLogits(x, y),
    () => [rand64([2, 3], 70, -3, 3), rand64([2, 3], 71, 0, 1)]],
  ['bceWithLogits posWeight, sum', (x) =>
    F.binaryCrossEntropyWithLogits(x, tensor([1, 0, 1], { dtype: 'float64' }), { posWeight: tensor([2, 0.5, 1], { dtype: 'float64' }), reduction: 'sum' }),
    () => [rand64([3], 72, -3, 3)]],
];

for (const [name, fn, inputs, options] of cases) {
  test(`gradcheck: ${name}`, scoped(() => {
    gradcheck(fn, inputs(), { name, ...options });
  }));
}
