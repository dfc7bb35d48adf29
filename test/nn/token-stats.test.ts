/**
 * nn/token-stats.ts: chunked per-token log-probs and entropies against the composed
 * log_softmax/gather/entropy (values and gradients, float64 and float32, several chunk sizes),
 * negative labels, −inf logits, and the memory the chunking saves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuMemory, manualSeed, randn, resetCpuMemoryPeak, tensor, tidy, type Tensor } from '../../src/index.js';
import { linearTokenStats, logitsTokenStats } from '../../src/nn/index.js';
import { scoped } from '../helpers/assert.js';

/** Largest difference relative to max(1, |b|): float32 rounding grows with the entropy's size (ln V). */
const maxDiff = (a: Tensor, b: Tensor): number => a.sub(b).abs().div(b.abs().clamp(1)).max().item();

/** The composed reference: log_softmax over the whole (N, V), gather, −Σ p log p. */
function composed(logits: Tensor, labels: Tensor): { logps: Tensor; entropy: Tensor } {
  const logp = logits.logSoftmax(-1);
  return { logps: logp.gather(-1, labels.clamp(0).unsqueeze(-1)).squeeze(-1).mul(labels.ge(0).to(logits.dtype)), entropy: logp.exp().mul(logp).sum({ dim: -1 }).neg() };
}

/** Σ a·logp + Σ b·entropy: a loss whose gradient mixes both outputs. */
const mix = (s: { logps: Tensor; entropy: Tensor }, a: Tensor, b: Tensor): Tensor => s.logps.mul(a).sum().add(s.entropy.mul(b).sum());

function gradsOf(leaves: Tensor[], loss: () => Tensor): Tensor[] {
  for (const l of leaves) l.zeroGrad();
  loss().backward();
  return leaves.map((l) => (l.grad as Tensor).clone());
}

for (const [dtype, tol] of [['float64', 1e-12], ['float32', 1e-6]] as const) {
  test(`linearTokenStats (${dtype}): log-probs, entropies and both gradients equal the composed head for chunk sizes 1, 3, 7 and 64`, scoped(() => {
    manualSeed(3);
    const [N, H, V] = [10, 6, 23];
    const hidden = randn([N, H], { dtype }).requiresGrad_(true);
    const weight = randn([V, H], { dtype }).requiresGrad_(true);
    const labels = tensor([0, 5, 22, -1, 7, 7, 3, 11, -1, 19], { dtype: 'int64' });
    const a = randn([N], { dtype });
    const b = randn([N], { dtype });
    const ref = composed(hidden.matmul(weight.t()), labels);
    const refGrads = gradsOf([hidden, weight], () => mix(composed(hidden.matmul(weight.t()), labels), a, b));
    for (const chunkRows of [1, 3, 7, 64]) {
      const s = linearTokenStats(hidden, weight, labels, { chunkRows });
      assert.equal(s.logps.dtype, dtype);
      assert.ok(maxDiff(s.logps, ref.logps) < tol, `logps, chunk ${chunkRows}: ${maxDiff(s.logps, ref.logps)}`);
      assert.ok(maxDiff(s.entropy, ref.entropy) < tol, `entropy, chunk ${chunkRows}: ${maxDiff(s.entropy, ref.entropy)}`);
      assert.equal(s.logps.select(0, 3).item(), 0); // a negative label: log-prob 0
      const grads = gradsOf([hidden, weight], () => mix(linearTokenStats(hidden, weight, labels, { chunkRows }), a, b));
      grads.forEach((g, i) => assert.ok(maxDiff(g, refGrads[i] as Tensor) < tol * 10, `gradient ${i}, chunk ${chunkRows}: ${maxDiff(g, refGrads[i] as Tensor)}`));
    }
  }));

  test(`logitsTokenStats (${dtype}): (B, T, V) log-probs, entropies and the logits gradient equal the composed values`, scoped(() => {
    manualSeed(4);
    const logits = randn([2, 5, 17], { dtype }).mul(3).detach().requiresGrad_(true);
    const labels = tensor([[1, 16, 0, 4, -1], [9, 9, 2, 13, 8]], { dtype: 'int64' });
    const a = randn([2, 5], { dtype });
    const b = randn([2, 5], { dtype });
    const ref = composed(logits, labels);
    const [refGrad] = gradsOf([logits], () => mix(composed(logits, labels), a, b));
    for (const chunkRows of [1, 4, 100]) {
      const s = logitsTokenStats(logits, labels, { chunkRows });
      assert.deepEqual(s.logps.shape, [2, 5]);
      assert.ok(maxDiff(s.logps, ref.logps) < tol && maxDiff(s.entropy, ref.entropy) < tol, `values, chunk ${chunkRows}`);
      const [g] = gradsOf([logits], () => mix(logitsTokenStats(logits, labels, { chunkRows }), a, b));
      assert.ok(maxDiff(g as Tensor, refGrad as Tensor) < tol * 10, `gradient, chunk ${chunkRows}: ${maxDiff(g as Tensor, refGrad as Tensor)}`);
    }
  }));
}

test('logitsTokenStats: a −inf logit (a masked token) gives probability 0, a finite entropy and a finite gradient', scoped(() => {
  const logits = tensor([[0, Number.NEGATIVE_INFINITY, 0]], { dtype: 'float64' }).requiresGrad_(true);
  const s = logitsTokenStats(logits, tensor([0], { dtype: 'int64' }));
  assert.ok(Math.abs(s.entropy.item() - Math.LN2) < 1e-12);
  assert.ok(Math.abs(s.logps.item() + Math.LN2) < 1e-12);
  s.entropy.add(s.logps).sum().backward();
  assert.ok((logits.grad as Tensor).isfinite().all().item());
  assert.throws(() => logitsTokenStats(logits, tensor([[0]], { dtype: 'int64' })), /labels shape/);
}));

test('linearTokenStats at a 32k vocabulary: forward + backward peak tensor memory is under a third of the composed head\'s', () => {
  manualSeed(5);
  const [N, H, V] = [256, 64, 32000];
  const hidden = randn([N, H]).requiresGrad_(true);
  const weight = randn([V, H]).mul(0.05).detach().requiresGrad_(true);
  const labels = tensor(Array.from({ length: N }, (_, i) => (i * 97) % V), { dtype: 'int64' });
  const peakOf = (run: () => { logps: Tensor; entropy: Tensor }): number => {
    hidden.zeroGrad();
    weight.zeroGrad();
    const before = cpuMemory().allocated;
    resetCpuMemoryPeak();
    tidy(() => mix(run(), tensor(1), tensor(0.1)).backward());
    return cpuMemory().peak - before;
  };
  const plain = peakOf(() => composed(hidden.matmul(weight.t()), labels));
  const chunked = peakOf(() => linearTokenStats(hidden, weight, labels, { chunkRows: 32 }));
  // The composed head holds (N, V) float32 logits, log-softmax and probabilities (33 MB each); chunks of 32 rows hold 4 MB.
  assert.ok(chunked < plain / 3, `chunked peak ${(chunked / 2 ** 20).toFixed(1)} MiB vs composed ${(plain / 2 ** 20).toFixed(1)} MiB`);
  hidden.dispose();
  weight.dispose();
});
