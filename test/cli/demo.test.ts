/**
 * `rlhf demo --quick`: the whole chain (data, SFT, reward model, PPO against it) runs through
 * the CLI, prints a table whose figures are the ones rlhf eval wrote for each stage, and leaves
 * the models and reports in --out. About 65-75 s on 2 shared CPU cores.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_SCALES, demoConfigs } from '../../src/cli/demo-configs.js';
import { demoTable } from '../../src/cli/demo-table.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The table's rows by stage label: [steps, time, exact match, pair accuracy] as printed. */
function tableRows(stdout: string): Map<string, string[]> {
  const lines = stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| stage'));
  return new Map(lines.map((l) => {
    const cells = l.split('|').slice(1, -1).map((c) => c.trim());
    return [cells[0] as string, cells.slice(1)];
  }));
}

/** `58.0% (116/200)` -> [0.58, 116, 200]. */
function share(cell: string | undefined): [number, number, number] {
  const m = /^(\d+\.\d)% \((\d+)\/(\d+)\)$/.exec(cell ?? '');
  assert.ok(m, `not a share: ${JSON.stringify(cell)}`);
  return [Number(m[1]) / 100, Number(m[2]), Number(m[3])];
}

const evalMetrics = (dir: string) => (JSON.parse(readFileSync(join(dir, 'eval', 'eval_results.json'), 'utf8')) as { models: { metrics: Record<string, number> }[] }).models[0]?.metrics ?? {};

test('rlhf demo --quick: SFT -> reward model -> PPO, a table of held-out accuracies that rlhf eval measured, files written', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'demo-')), 'demo');
  const r = spawnSync(process.execPath, [cli, 'demo', '--quick', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = tableRows(r.stdout);
  assert.deepEqual([...rows.keys()], ['data', 'SFT', 'reward model', 'PPO (reward model)', 'total'], r.stdout);

  const [sftAcc, sftRight, heldOut] = share(rows.get('SFT')?.[2]);
  const [ppoAcc, ppoRight, heldOutAgain] = share(rows.get('PPO (reward model)')?.[2]);
  const [pairAcc, pairsRight, pairs] = share(rows.get('reward model')?.[3]);
  assert.deepEqual([heldOut, heldOutAgain, pairs], [200, 200, 200]);
  for (const [acc, right, total] of [[sftAcc, sftRight, heldOut], [ppoAcc, ppoRight, heldOut], [pairAcc, pairsRight, pairs]] as const) {
    assert.ok(acc >= 0 && acc <= 1 && Math.abs(acc - right / total) < 0.0005, `${acc} vs ${right}/${total}`);
  }
  // The reward model learned something: well above the 50% of a coin toss on held-out pairs.
  assert.ok(pairAcc > 0.6, `reward-model pair accuracy ${pairAcc}`);

  // The printed figures are rlhf eval's, written beside each stage's model.
  assert.equal(Math.round(evalMetrics(join(out, 'sft'))['generation/exact_match']! * 200), sftRight);
  assert.equal(Math.round(evalMetrics(join(out, 'ppo'))['generation/exact_match']! * 200), ppoRight);
  assert.equal(Math.round(evalMetrics(join(out, 'reward'))['preference/accuracy']! * 200), pairsRight);
  for (const f of ['data/pairs.jsonl', 'data/eval.jsonl', 'sft/model.safetensors', 'reward/model.safetensors', 'ppo/model.safetensors', 'demo_table.md']) {
    assert.ok(existsSync(join(out, f)), f);
  }
  const saved = JSON.parse(readFileSync(join(out, 'demo_results.json'), 'utf8')) as { stages: { stage: string; steps: number | null }[] };
  assert.deepEqual(saved.stages.map((s) => s.stage), ['data', 'sft', 'reward', 'ppo']);
  assert.equal(rows.get('SFT')?.[0], String(saved.stages[1]?.steps));

  // A rerun into the same folder replaces the earlier demo; a foreign non-empty folder is refused.
  const foreign = mkdtempSync(join(tmpdir(), 'not-a-demo-'));
  spawnSync('touch', [join(foreign, 'keep.txt')]);
  const refused = spawnSync(process.execPath, [cli, 'demo', '--quick', '--out', foreign], { encoding: 'utf8' });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /is not empty and holds no earlier demo/);
  assert.ok(existsSync(join(foreign, 'keep.txt')));
});

test('demoTable lines up its columns and shows each share with its counts', () => {
  const table = demoTable([
    { stage: 'data', label: 'data', steps: null, seconds: 0.12, dir: 'd' },
    { stage: 'sft', label: 'SFT', steps: 1500, seconds: 95.4, dir: 's', exactMatch: { accuracy: 0.58, correct: 116, total: 200 } },
    { stage: 'reward', label: 'reward model', steps: 400, seconds: 31, dir: 'r', pairAccuracy: { accuracy: 0.875, correct: 175, total: 200 } },
  ], 126.6);
  assert.equal(table, [
    '| stage        | steps |  time | held-out exact match | reward-model pair accuracy |',
    '|--------------|-------|-------|----------------------|----------------------------|',
    '| data         |       | 0.1 s |                      |                            |',
    '| SFT          |  1500 |  95 s | 58.0% (116/200)      |                            |',
    '| reward model |   400 |  31 s |                      | 87.5% (175/200)            |',
    '| total        |       | 127 s |                      |                            |',
  ].join('\n'));
});

test('demo configs: PPO scored by the learned reward model (KL 0.5), or by exact match without one; GRPO by exact match', () => {
  const model = 'examples/models/arith-tiny';
  const ppo = demoConfigs('/tmp/d', DEMO_SCALES.full, { rl: 'ppo', seed: 42, modelDir: model, rewardModel: true });
  assert.deepEqual([ppo.sft.training.algorithm, ppo.reward.training.algorithm, ppo.rl.training.algorithm], ['sft', 'reward', 'ppo']);
  assert.equal(ppo.reward.model.name_or_path, join('/tmp/d', 'sft'));
  assert.deepEqual([ppo.rl.ppo.reward_model_path, ppo.rl.rewards.functions, ppo.rl.ppo.kl_coef], [join('/tmp/d', 'reward'), [], 0.5]);
  assert.deepEqual([ppo.sft.training.max_steps, ppo.reward.training.max_steps, ppo.rl.training.max_steps], [1500, 400, 300]);
  assert.equal(ppo.rl.evaluation.eval_file, join('/tmp/d', 'data', 'eval.jsonl'));
  const exact = demoConfigs('/tmp/d', DEMO_SCALES.quick, { rl: 'ppo', seed: 1, modelDir: model, rewardModel: false });
  assert.deepEqual([exact.rl.ppo.reward_model_path, exact.rl.rewards.functions.map((f) => f.name), exact.rl.ppo.kl_coef], [null, ['exact_match'], 0.02]);
  const grpo = demoConfigs('/tmp/d', DEMO_SCALES.full, { rl: 'grpo', seed: 42, modelDir: model, rewardModel: true });
  assert.deepEqual([grpo.rl.training.algorithm, grpo.rl.training.output_dir, grpo.rl.rewards.functions.map((f) => f.name)], ['grpo', join('/tmp/d', 'grpo'), ['exact_match']]);
});
