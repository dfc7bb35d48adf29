import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUILTIN_REWARDS, lastNumber, loadRewardFunctions, scoreWithFunctions, type RewardInput } from '../../src/rewards/index.js';

const input = (completion: string, reference?: string, ids: number[] = [1, 2, 3]): RewardInput => ({ prompt: 'Q', completion, completionIds: ids, truncated: false, ...(reference === undefined ? {} : { reference }) });

test('built-in rewards give exact values', async () => {
  const exact = BUILTIN_REWARDS['exact_match']!({});
  assert.equal(await exact(input('  19 ', '19')), 1);
  assert.equal(await exact(input('19.', '19')), 0);
  const numeric = BUILTIN_REWARDS['numeric_match']!({});
  assert.equal(await numeric(input('so the answer is 1,234', '1234')), 1);
  assert.equal(await numeric(input('3 then 4', '3')), 0);
  assert.equal(lastNumber('x = -2.5 and y = 7'), 7);
  assert.equal(lastNumber('none'), null);
  const format = BUILTIN_REWARDS['format']!({ pattern: '^\\d+$' });
  assert.deepEqual([await format(input('42')), await format(input('42!'))], [1, 0]);
  const length = BUILTIN_REWARDS['length_penalty']!({ target_length: 2, per_token: 0.5 });
  assert.equal(await length(input('abc', undefined, [1, 2, 3, 4, 5])), -1.5);
  assert.throws(() => exact(input('x')), /exact_match needs a reference answer/);
});

test('weighted sums, user modules, and failures that name the function and the sample', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rewards-'));
  writeFileSync(join(dir, 'mine.mjs'), 'export function score({ completion }) { return completion.length; }\nexport const broken = () => "high";\nexport function thrower() { throw new Error("boom"); }\n');
  const fns = await loadRewardFunctions([
    { name: 'exact_match', weight: 2 },
    { module: join(dir, 'mine.mjs'), export: 'score', weight: 0.5 },
  ]);
  const r = await scoreWithFunctions(fns, [input('19', '19'), input('7', '19')]);
  assert.deepEqual(r.total, [2 * 1 + 0.5 * 2, 0 + 0.5 * 1]);
  assert.deepEqual(Object.keys(r.perFunction), ['exact_match', `${join(dir, 'mine.mjs')}#score`]);
  const broken = await loadRewardFunctions([{ module: join(dir, 'mine.mjs'), export: 'broken', weight: 1 }]);
  await assert.rejects(scoreWithFunctions(broken, [input('a')]), /reward function .*mine\.mjs#broken returned "high" \(not a finite number\) on sample 0 \(prompt "Q", completion "a"\)/);
  const thrower = await loadRewardFunctions([{ module: join(dir, 'mine.mjs'), export: 'thrower', weight: 1 }]);
  await assert.rejects(scoreWithFunctions(thrower, [input('a'), input('b')]), /reward function .*#thrower failed on sample 0 .*: boom/);
  await assert.rejects(loadRewardFunctions([{ name: 'exactmatch', weight: 1 }]), /unknown reward 'exactmatch'; built-ins: exact_match, numeric_match, format, length_penalty/);
  await assert.rejects(loadRewardFunctions([{ module: join(dir, 'mine.mjs'), export: 'nope', weight: 1 }]), /has no function export 'nope' \(exports: broken, score, thrower\)/);
});
