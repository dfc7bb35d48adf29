import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromPretrained } from '../../../src/models/index.js';
import { noGrad, tidy } from '../../../src/tensor/index.js';
import { completionLogps, sampleRollout } from '../../../src/trainers/online/rollout.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';

test('rollout: generation log-probs equal a fresh forward pass; nothing before EOS is masked, everything after is', () => {
  const policy = fromPretrained(MODEL);
  const prompts = [[1, 86, 92, 383], [1, 60, 286], [1, 60, 286], [1, 413, 202, 437, 320, 420]];
  const r = sampleRollout(policy, prompts, { maxNewTokens: 12, doSample: true, temperature: 1, seed: 3, padTokenId: 3, eosTokenId: 2 });
  tidy(() => noGrad(() => {
    const fresh = completionLogps(policy, r.batch).toArray() as number[][];
    const gen = r.batch.generationLogps.toArray() as number[][];
    const mask = r.batch.completionMask.toArray() as number[][];
    let maxDiff = 0;
    r.completions.forEach((c, i) => {
      // Mask: 1 for exactly the generated tokens (through EOS), 0 after.
      assert.deepEqual(mask[i], [...c.map(() => 1), ...Array(mask[i]!.length - c.length).fill(0)]);
      const eos = c.indexOf(2);
      if (eos >= 0) assert.equal(eos, c.length - 1, 'tokens after EOS were kept');
      assert.equal(r.truncated[i], eos < 0 && c.length === 12);
      for (let t = 0; t < c.length; t++) maxDiff = Math.max(maxDiff, Math.abs(fresh[i]![t]! - gen[i]![t]!));
      for (let t = c.length; t < mask[i]!.length; t++) assert.equal(Math.abs(fresh[i]![t]!), 0);
    });
    assert.ok(maxDiff < 1e-4, `max |Δ| ${maxDiff}`);
  }));
});
