/** generalizedJsdLoss against TRL 1.13's GKDTrainer.generalized_jsd_loss (test/fixtures/rl/gkd.json, make_gkd_golden.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tensor } from '../../src/index.js';
import { generalizedJsd, generalizedJsdLoss } from '../../src/rl/index.js';
import { assertClose, scoped } from '../helpers/assert.js';

const fx = JSON.parse(readFileSync('test/fixtures/rl/gkd.json', 'utf8')).jsd;
interface JsdCase { beta: number; temperature: number; batchmean: number; sum: number; mean: number; unmasked_batchmean: number; grad_student: number[][][] }
const cases = fx.cases as JsdCase[];
const student = () => tensor(fx.student_logits, { dtype: 'float64' });
const teacher = () => tensor(fx.teacher_logits, { dtype: 'float64' });
const labels = () => tensor(fx.labels, { dtype: 'int64' });
const near = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${what}: ${got} vs TRL ${want}`);

test('generalizedJsdLoss equals TRL generalized_jsd_loss for beta 0, 0.1, 0.5, 1 and temperatures 1, 0.7, 2.5 (float64, 1e-12)', scoped(() => {
  assert.equal(cases.length, 12);
  for (const k of cases) {
    const name = `beta ${k.beta} T ${k.temperature}`;
    const o = { beta: k.beta, temperature: k.temperature, labels: labels() };
    near(generalizedJsdLoss(student(), teacher(), o).item(), k.batchmean, `${name} batchmean`);
    near(generalizedJsdLoss(student(), teacher(), { ...o, reduction: 'sum' }).item(), k.sum, `${name} sum`);
    near(generalizedJsdLoss(student(), teacher(), { ...o, reduction: 'mean' }).item(), k.mean, `${name} mean`);
    near(generalizedJsdLoss(student(), teacher(), { beta: k.beta, temperature: k.temperature }).item(), k.unmasked_batchmean, `${name} unmasked`);
  }
  // Nothing kept: 0 (TRL clamps the count to 1), not NaN.
  const none = tensor(Array.from({ length: 2 }, () => Array(5).fill(-100)), { dtype: 'int64' });
  assert.equal(generalizedJsdLoss(student(), teacher(), { labels: none }).item(), fx.all_masked_batchmean);
}));

test('generalizedJsdLoss gradient with respect to the student logits equals TRL autograd (1e-12)', scoped(() => {
  for (const k of cases) {
    const s = student().requiresGrad_(true);
    generalizedJsdLoss(s, teacher(), { beta: k.beta, temperature: k.temperature, labels: labels() }).backward();
    assertClose(s.grad!, k.grad_student, { atol: 1e-12, rtol: 1e-10, msg: `beta ${k.beta} T ${k.temperature} grad` });
  }
}));

test('generalizedJsd per token: the ends are the two KLs, the divergence is >= 0 and 0 between equal distributions', scoped(() => {
  const s = tensor([[0.3, -1.2, 2.0, 0.1]], { dtype: 'float64' });
  const t = tensor([[1.5, 0.2, -0.7, 0.4]], { dtype: 'float64' });
  const logSoftmax = (x: number[]) => { const m = Math.log(x.reduce((a, v) => a + Math.exp(v), 0)); return x.map((v) => v - m); };
  const ls = logSoftmax([0.3, -1.2, 2.0, 0.1]);
  const lt = logSoftmax([1.5, 0.2, -0.7, 0.4]);
  const kl = (p: number[], q: number[]) => p.reduce((a, lp, i) => a + Math.exp(lp) * (lp - (q[i] as number)), 0);
  near((generalizedJsd(s, t, { beta: 0 }).toArray() as number[])[0]!, kl(lt, ls), 'beta 0 = KL(T||S)');
  near((generalizedJsd(s, t, { beta: 1 }).toArray() as number[])[0]!, kl(ls, lt), 'beta 1 = KL(S||T)');
  for (const beta of [0.05, 0.5, 0.95]) assert.ok((generalizedJsd(s, t, { beta }).toArray() as number[])[0]! > 0);
  assert.ok(Math.abs((generalizedJsd(s, s, { beta: 0.5 }).toArray() as number[])[0]!) < 1e-15);
  assert.throws(() => generalizedJsd(s, t, { beta: 1.5 }), /beta \(1.5\) must be in \[0, 1\]/);
  assert.throws(() => generalizedJsd(s, t, { temperature: 0 }), /temperature \(0\) must be a finite number > 0/);
  assert.throws(() => generalizedJsdLoss(s, tensor([[1, 2, 3]], { dtype: 'float64' })), /'teacherLogits' must have shape \[1, 4\]/);
}));
