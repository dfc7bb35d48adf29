/** Losses against PyTorch fixtures and JS formulas. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, tensor } from '../../src/index.js';
import { assertClose, scoped } from '../helpers/assert.js';
import { opFixtures } from '../helpers/fixtures.js';
import * as ref from '../helpers/reference.js';

const TIGHT = { atol: 1e-12, rtol: 1e-10 };
const REDUCTIONS = ['none', 'sum', 'mean'] as const;

test('crossEntropy: ignoreIndex -100, every reduction', scoped(() => {
  const fx = opFixtures().cross_entropy;
  const logits = tensor(fx.logits, { dtype: 'float64' });
  const target = tensor(fx.target as number[]);
  for (const reduction of REDUCTIONS) {
    const out = F.crossEntropy(logits, target, { reduction });
    assertClose(out, fx[`plain_${reduction}`], { ...TIGHT, msg: `torch ${reduction}` });
    assertClose(out, ref.crossEntropy(fx.logits, fx.target, { reduction }), { ...TIGHT, msg: `js ${reduction}` });
  }
  // Default reduction is mean; the ignored row contributes 0 and is not counted.
  assertClose(F.crossEntropy(logits, target), fx.plain_mean, TIGHT);
  const none = F.crossEntropy(logits, target, { reduction: 'none' }).toArray() as number[];
  assert.equal(none[3], 0);
}));

test('crossEntropy: label smoothing', scoped(() => {
  const fx = opFixtures().cross_entropy;
  const logits = tensor(fx.logits, { dtype: 'float64' });
  const target = tensor(fx.target as number[]);
  for (const reduction of REDUCTIONS) {
    const out = F.crossEntropy(logits, target, { reduction, labelSmoothing: 0.1 });
    assertClose(out, fx[`smooth01_${reduction}`], { ...TIGHT, msg: `torch ${reduction}` });
    const js = ref.crossEntropy(fx.logits, fx.target, { reduction, labelSmoothing: 0.1 });
    assertClose(out, js, { ...TIGHT, msg: `js ${reduction}` });
  }
}));

test('crossEntropy: class weights, with and without smoothing', scoped(() => {
  const fx = opFixtures().cross_entropy;
  const logits = tensor(fx.logits, { dtype: 'float64' });
  const target = tensor(fx.target as number[]);
  const weight = tensor(fx.weight, { dtype: 'float64' });
  for (const reduction of REDUCTIONS) {
    assertClose(F.crossEntropy(logits, target, { reduction, weight }), fx[`weighted_${reduction}`], TIGHT);
    assertClose(
      F.crossEntropy(logits, target, { reduction, weight }),
      ref.crossEntropy(fx.logits, fx.target, { reduction, weight: fx.weight }),
      TIGHT,
    );
    const smoothed = F.crossEntropy(logits, target, { reduction, weight, labelSmoothing: 0.2 });
    assertClose(smoothed, fx[`weighted_smooth02_${reduction}`], { ...TIGHT, msg: `weighted smooth ${reduction}` });
  }
}));

test('crossEntropy: custom ignoreIndex and (N, C, d) layout', scoped(() => {
  const fx = opFixtures().cross_entropy;
  const logits = tensor(fx.logits, { dtype: 'float64' });
  assertClose(F.crossEntropy(logits, tensor(fx.target_ignore2 as number[]), { ignoreIndex: 2 }), fx.ignore2_mean, TIGHT);
  assertClose(
    F.crossEntropy(logits, tensor(fx.target_ignore2 as number[]), { ignoreIndex: 2 }),
    ref.crossEntropy(fx.logits, fx.target_ignore2, { ignoreIndex: 2 }),
    TIGHT,
  );
  const l3 = tensor(fx.logits_ncd, { dtype: 'float64' });
  const t3 = tensor(fx.target_nd as number[][]);
  assertClose(F.crossEntropy(l3, t3), fx.ncd_mean, TIGHT);
  assertClose(F.crossEntropy(l3, t3, { reduction: 'none' }), fx.ncd_none, TIGHT);
  // Same as moving classes last and flattening: the usual (B·T, V) form.
  const flatLogits = l3.permute(0, 2, 1).reshape(-1, 4);
  assertClose(F.crossEntropy(flatLogits, t3.reshape(-1)), fx.ncd_mean, TIGHT);
}));

test('crossEntropy in float32 agrees with the float64 reference', scoped(() => {
  const fx = opFixtures().cross_entropy;
  const out = F.crossEntropy(tensor(fx.logits), tensor(fx.target as number[]), { labelSmoothing: 0.1 });
  assert.equal(out.dtype, 'float32');
  assertClose(out, fx.smooth01_mean, { atol: 1e-6, rtol: 1e-6 });
}));

test('crossEntropy rejects an unknown reduction with a TypeError', scoped(() => {
  const fx = opFixtures().cross_entropy;
  // Deliberately wrong type, as JS callers can pass anything.
  const bad = { reduction: 'avg' } as unknown as { reduction: 'mean' };
  assert.throws(() => F.crossEntropy(tensor(fx.logits), tensor(fx.target as number[]), bad), TypeError);
}));

test('nllLoss on log-probabilities, weights and ignoreIndex', scoped(() => {
  const fx = opFixtures().nll;
  const logp = tensor(fx.logp, { dtype: 'float64' });
  const target = tensor(fx.target as number[]);
  assertClose(F.nllLoss(logp, target), fx.mean, TIGHT);
  assertClose(F.nllLoss(logp, target, { weight: tensor(fx.weight, { dtype: 'float64' }) }), fx.weighted_mean, TIGHT);
  assertClose(F.nllLoss(logp, target, { reduction: 'none' }), fx.none, TIGHT);
  const rows = fx.logp as number[][];
  const picked = [0, 1, 2, 4].map((i) => -(rows[i]![(fx.target as number[])[i]!] as number));
  assertClose(F.nllLoss(logp, target, { reduction: 'sum' }), picked.reduce((a, b) => a + b, 0), TIGHT);
  // ignoreIndex: ignore class 1 instead of -100 (the -100 row then is an error in PyTorch, so drop it).
  const keep = tensor([0, 1, 2, 4]);
  const lp = logp.indexSelect(0, keep);
  const tg = target.indexSelect(0, keep);
  assertClose(F.nllLoss(lp, tg, { ignoreIndex: 1 }), (picked[1]! + picked[2]! + picked[3]!) / 3, TIGHT);
}));

test('mseLoss: none / sum / mean', scoped(() => {
  const fx = opFixtures().mse;
  const a = tensor(fx.a, { dtype: 'float64' });
  const b = tensor(fx.b, { dtype: 'float64' });
  assertClose(F.mseLoss(a, b), fx.mean, TIGHT);
  assertClose(F.mseLoss(a, b, { reduction: 'sum' }), fx.sum, TIGHT);
  assertClose(F.mseLoss(a, b, { reduction: 'none' }), fx.none, TIGHT);
  const av = (fx.a as number[][]).flat();
  const bv = (fx.b as number[][]).flat();
  const se = av.map((x, i) => (x - (bv[i] as number)) ** 2);
  assertClose(F.mseLoss(a, b), se.reduce((s, v) => s + v, 0) / se.length, TIGHT);
}));

test('binaryCrossEntropyWithLogits: plain, weighted, posWeight', scoped(() => {
  const fx = opFixtures().bce;
  const x = tensor(fx.x, { dtype: 'float64' });
  const y = tensor(fx.y, { dtype: 'float64' });
  assertClose(F.binaryCrossEntropyWithLogits(x, y), fx.mean, TIGHT);
  assertClose(F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none' }), fx.none, TIGHT);
  assertClose(
    F.binaryCrossEntropyWithLogits(x, y, { weight: tensor(fx.weight, { dtype: 'float64' }), reduction: 'sum' }),
    fx.weighted_sum,
    TIGHT,
  );
  assertClose(F.binaryCrossEntropyWithLogits(x, y, { posWeight: tensor(fx.pos_weight, { dtype: 'float64' }) }), fx.pos_weight_mean, TIGHT);
  const xs = (fx.x as number[][]).flat();
  const ys = (fx.y as number[][]).flat();
  const pw = fx.pos_weight as number[];
  const js = xs.map((v, i) => ref.bceWithLogits(v, ys[i] as number, pw[i % 4] as number));
  assertClose(
    F.binaryCrossEntropyWithLogits(x, y, { posWeight: tensor(pw, { dtype: 'float64' }) }),
    js.reduce((s, v) => s + v, 0) / js.length,
    TIGHT,
  );
  // Stable for large logits.
  assertClose(F.binaryCrossEntropyWithLogits(tensor([100, -100]).float(), tensor([0, 1]).float(), { reduction: 'none' }), [100, 100], { atol: 1e-4 });
}));
