/**
 * GAE with a mask (multi-turn episodes): stepping over the environment's tokens gives exactly
 * the advantages of plain GAE (golden-tested against TRL in rl-math) over each row's actions
 * packed together, 0 on the masked tokens; all-ones masks change nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gae } from '../../src/rl/index.js';
import { tensor, tidy } from '../../src/tensor/index.js';

const rewards = [[0.1, 0, 0, -0.2, 0, 1.5, 0], [0, 0.3, 0, 0, 0, 0, 0.7]];
const values = [[0.5, 0.9, -0.4, 0.2, 0.8, 0.3, 0], [0.1, 0.2, 0.3, 0.4, -0.6, 0.7, 0.9]];
const mask = [[1, 1, 0, 0, 1, 1, 0], [1, 0, 0, 1, 1, 1, 1]];

test('masked gae equals gae over the packed actions, 0 elsewhere', () => tidy(() => {
  const options = { gamma: 0.9, lam: 0.8 };
  const masked = gae(tensor(rewards), tensor(values), { ...options, mask: tensor(mask) });
  const adv = masked.advantages.toArray() as number[][];
  const ret = masked.returns.toArray() as number[][];
  mask.forEach((m, b) => {
    const keep = m.flatMap((x, t) => (x === 1 ? [t] : []));
    // Rewards on masked positions are summed into nothing: the rows above hold them on actions only.
    const packed = gae(tensor([keep.map((t) => rewards[b]![t]!)]), tensor([keep.map((t) => values[b]![t]!)]), options);
    const pa = (packed.advantages.toArray() as number[][])[0]!;
    const pr = (packed.returns.toArray() as number[][])[0]!;
    keep.forEach((t, i) => {
      assert.ok(Math.abs(adv[b]![t]! - pa[i]!) < 1e-6, `row ${b} token ${t}: ${adv[b]![t]} vs packed ${pa[i]}`);
      assert.ok(Math.abs(ret[b]![t]! - pr[i]!) < 1e-6);
    });
    m.forEach((x, t) => { if (x === 0) assert.equal(adv[b]![t], 0); });
  });
  const plain = gae(tensor(rewards), tensor(values), options).advantages.toArray() as number[][];
  const allOnes = gae(tensor(rewards), tensor(values), { ...options, mask: tensor(rewards.map((r) => r.map(() => 1))) }).advantages.toArray() as number[][];
  plain.forEach((row, b) => row.forEach((a, t) => assert.ok(Math.abs(a - allOnes[b]![t]!) < 1e-6)));
}));
