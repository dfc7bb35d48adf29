/** The one reference-policy helper DPO, GRPO and PPO use: which reference is chosen, and how it runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCausalLm, type PretrainedCausalLm } from '../../../src/models/index.js';
import { applyLora, loraLayers } from '../../../src/nn/index.js';
import { isGradEnabled, noGrad, tensor, tidy } from '../../../src/tensor/index.js';
import { loadReferencePolicy, releaseReference, withReference } from '../../../src/trainers/loop/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const ids = () => tensor([[1, 86, 92, 383, 72, 80]], { dtype: 'int64' });
const logitsOf = (m: PretrainedCausalLm) => tidy(() => m.forward({ inputIds: ids() }).logits.flatValues() as number[]);
const maxDiff = (a: number[], b: number[]) => a.reduce((d, x, i) => Math.max(d, Math.abs(x - (b[i] as number))), 0);

test('loadReferencePolicy: none when not needed, the LoRA base, an explicit path, else a frozen copy', () => {
  assert.equal(loadReferencePolicy({ needed: false, modelPath: MODEL, loraApplied: true }), null);
  assert.equal(loadReferencePolicy({ needed: true, modelPath: MODEL, loraApplied: true }), 'adapters-disabled');
  for (const choice of [{ loraApplied: false }, { loraApplied: true, refModelPath: MODEL }]) {
    const ref = loadReferencePolicy({ needed: true, modelPath: MODEL, ...choice });
    assert.ok(typeof ref === 'object' && ref !== null, JSON.stringify(choice));
    assert.equal(ref.training, false);
    assert.equal(ref.trainableParameters().length, 0);
    assert.ok(ref.parameters().length > 0);
    releaseReference(ref);
  }
});

test('withReference: no grad; the LoRA base equals a separate copy; null and precomputed have no model', () => {
  const policy = loadCausalLm(MODEL).eval();
  const copy = loadCausalLm(MODEL).eval();
  applyLora(policy, { targetModules: 'all-linear', r: 4, alpha: 8 });
  noGrad(() => { for (const l of loraLayers(policy)) l.adapter.loraB.weight.normal_(0, 0.05); });
  const base = logitsOf(copy);
  assert.ok(maxDiff(logitsOf(policy), base) > 1e-4, 'the adapters must change the policy for this test to mean anything');
  const viaRef = withReference('adapters-disabled', policy, (m) => {
    assert.equal(isGradEnabled(), false);
    return logitsOf(m);
  });
  assert.ok(maxDiff(viaRef, base) < 1e-6);
  assert.ok(maxDiff(logitsOf(policy), base) > 1e-4, 'adapters are back on afterwards');
  assert.ok(maxDiff(withReference(copy, policy, logitsOf), base) === 0);
  assert.throws(() => withReference(null, policy, logitsOf), /reference is absent/);
  assert.throws(() => withReference('precomputed', policy, logitsOf), /'precomputed'/);
});
