/**
 * Short rloo and reinforce_pp runs whose reward rises on a learnable reward (the share of
 * even token ids), a grpo run with the importance-sampling correction on (our sampler against
 * the training forward: a float32 mismatch of decoding with a KV cache), and the config checks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ConfigError, parseConfig, RunConfig } from '../../../src/config/index.js';
import { runGrpo, runPpo, runReinforcePp, runRloo } from '../../../src/trainers/online/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

function fixtures(): { prompts: string; reward: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rloo-'));
  const rows = Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Topic ${i}: say something.` }));
  writeFileSync(join(dir, 'prompts.jsonl'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'even.mjs'), 'export default ({ completionIds }) => completionIds.filter((id) => id % 2 === 0).length / Math.max(1, completionIds.length);\n');
  return { prompts: join(dir, 'prompts.jsonl'), reward: join(dir, 'even.mjs') };
}
const F = fixtures();

function config(algorithm: 'grpo' | 'ppo' | 'rloo' | 'reinforce_pp', training: Record<string, unknown>, extra: Record<string, unknown> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm, output_dir: mkdtempSync(join(tmpdir(), `${algorithm}-out-`)), learning_rate: 2e-3, logging_steps: 1, save_steps: 1000, seed: 5, per_device_train_batch_size: 8, gradient_accumulation_steps: 1, max_grad_norm: 1, lr_scheduler_type: 'constant', device: 'cpu', ...training },
    data: { max_prompt_length: 32, datasets: { prompt: { train_files: [{ path: F.prompts }] } } },
    generation: { max_new_tokens: 8, temperature: 1 },
    rewards: { functions: [{ module: F.reward, weight: 1 }] },
    ...extra,
  });
}

const rewardsOf = (r: { history: Map<number, Record<string, number>> }) => [...r.history.values()].map((row) => row['reward'] as number);
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('rloo: the mean reward rises on a learnable reward; TRL\'s metrics are logged', async (t) => {
  const r = await runRloo(config('rloo', { max_steps: 24 }, { rloo: { num_generations: 4, beta: 0.05 } }), { progress: sink });
  const rewards = rewardsOf(r);
  const [first, last] = [meanOf(rewards.slice(0, 6)), meanOf(rewards.slice(-6))];
  t.diagnostic(`rloo reward ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.ok(last > first + 0.1, `reward ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.equal(r.history.get(1)?.['kl'], 0);
  for (const k of ['kl', 'reward_std', 'frac_reward_zero_std', 'clip_ratio/region_mean', 'clip_ratio/low_min', 'clip_ratio/high_max', 'completions/mean_length', 'grad_norm']) {
    assert.ok(Number.isFinite(r.history.get(3)?.[k]), k);
  }
});

test('rloo num_iterations 2: two optimizer steps per rollout; the first has ratio 1 (nothing clipped), the second a moved policy', async () => {
  const r = await runRloo(config('rloo', { max_steps: 2, learning_rate: 5e-2 }, { rloo: { num_generations: 4, beta: 0.05, num_iterations: 2, epsilon: 0.01 } }), { progress: sink });
  const [first, second] = [r.history.get(1), r.history.get(2)] as Record<string, number>[];
  assert.equal(first!['clip_ratio/region_mean'], 0);
  assert.equal(first!['reward'], second!['reward'], 'both steps train on the same rollout');
  assert.ok((second!['clip_ratio/region_mean'] as number) > 0, `clipped ${second!['clip_ratio/region_mean']}`);
});

test('reinforce_pp (reinforce_baseline): the mean reward rises; kl, return and policy_loss are logged', async (t) => {
  const r = await runReinforcePp(config('reinforce_pp', { max_steps: 24 }, { reinforce_pp: { advantage_estimator: 'reinforce_baseline', n_samples_per_prompt: 4, init_kl_coef: 0.01, kl_estimator: 'k2' } }), { progress: sink });
  const rewards = rewardsOf(r);
  const [first, last] = [meanOf(rewards.slice(0, 6)), meanOf(rewards.slice(-6))];
  t.diagnostic(`reinforce_baseline reward ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.ok(last > first + 0.1, `reward ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.equal(r.history.get(1)?.['kl'], 0);
  for (const k of ['kl', 'return', 'policy_loss', 'clip_ratio', 'grad_norm']) assert.ok(Number.isFinite(r.history.get(3)?.[k]), k);
});

test('reinforce_pp (reinforce, one sample per prompt, gamma 0.99): trains with a finite loss', async () => {
  const r = await runReinforcePp(config('reinforce_pp', { max_steps: 3 }, { reinforce_pp: { gamma: 0.99, max_epochs: 2 } }), { progress: sink });
  assert.equal(r.history.size, 3);
  for (const row of r.history.values()) assert.ok(Number.isFinite(row['loss']));
});

test('grpo with importance_sampling_correction: the sampler/training mismatch is logged and tiny in float32', async () => {
  const r = await runGrpo(config('grpo', { max_steps: 2 }, { grpo: { group_size: 4, beta: 0, importance_sampling_correction: true, importance_sampling_mode: 'token_truncate' } }), { progress: sink });
  const row = r.history.get(1) as Record<string, number>;
  const diff = row['sampling/sampling_logp_difference/max'] as number;
  assert.ok(diff >= 0 && diff < 1e-3, `max |old - sampler| ${diff}`);
  for (const k of ['min', 'mean', 'max']) assert.ok(Math.abs((row[`sampling/importance_sampling_ratio/${k}`] as number) - 1) < 1e-3, k);
});

test('ppo and rloo with importance_sampling_correction: the sampling metrics are logged and the ratios stay near 1', async () => {
  const ppo = await runPpo(config('ppo', { max_steps: 2, per_device_train_batch_size: 4 }, { ppo: { ppo_epochs: 1, importance_sampling_correction: true, importance_sampling_mode: 'sequence_truncate' } }), { progress: sink });
  const rloo = await runRloo(config('rloo', { max_steps: 2 }, { rloo: { num_generations: 4, beta: 0, importance_sampling_correction: true } }), { progress: sink });
  for (const row of [ppo.history.get(1), rloo.history.get(1)] as Record<string, number>[]) {
    assert.ok((row['sampling/sampling_logp_difference/max'] as number) < 1e-3);
    for (const k of ['min', 'mean', 'max']) assert.ok(Math.abs((row[`sampling/importance_sampling_ratio/${k}`] as number) - 1) < 1e-2, k);
    assert.ok(Number.isFinite(row['loss']));
  }
});

test('config: rloo and reinforce_pp batch, estimator and correction rules are checked with the values', () => {
  const base = `model:\n  name_or_path: ${MODEL}\ndata:\n  dataset_path: ${F.prompts}\nrewards:\n  functions:\n    - {name: exact_match}\n`;
  const refused = (yaml: string, pattern: RegExp) => assert.throws(() => parseConfig(yaml, { env: {} }), (err: unknown) => err instanceof ConfigError && pattern.test(err.message), pattern.source);
  refused(`${base}training:\n  algorithm: rloo\n  per_device_train_batch_size: 6\nrloo:\n  num_generations: 4\n`, /rloo: per_device_train_batch_size x gradient_accumulation_steps = 6 x 1 = 6 completions per step, which is not a whole number of groups of 4 \(rloo\.num_generations\)/);
  refused(`${base}training:\n  algorithm: rloo\n  per_device_train_batch_size: 4\nrloo:\n  importance_sampling_correction: true\n  importance_sampling_mode: token_truncate\n`, /rloo\.importance_sampling_mode token_truncate: rloo's ratio is one per sequence, so use sequence_truncate or sequence_mask/);
  refused(`${base}training:\n  algorithm: grpo\n  per_device_train_batch_size: 8\ngrpo:\n  importance_sampling_correction: true\n  importance_sampling_clip_min: 4\n`, /grpo\.importance_sampling_clip_min \(4\) must be less than importance_sampling_clip_max \(3\)/);
  refused(`${base}training:\n  algorithm: ppo\nppo:\n  importance_sampling_correction: true\n  importance_sampling_mode: token_truncate\n  importance_sampling_clip_max: null\n`, /ppo\.importance_sampling_mode token_truncate needs importance_sampling_clip_max or importance_sampling_clip_min/);
  refused(`${base}training:\n  algorithm: reinforce_pp\n  per_device_train_batch_size: 4\nreinforce_pp:\n  advantage_estimator: reinforce_baseline\n`, /reinforce_pp\.advantage_estimator reinforce_baseline compares the samples of a prompt: set n_samples_per_prompt >= 2 \(got 1\)/);
  refused(`${base}training:\n  algorithm: reinforce_pp\n  per_device_train_batch_size: 4\nreinforce_pp:\n  advantage_estimator: rloo\n  n_samples_per_prompt: 2\n  gamma: 0.9\n`, /reinforce_pp\.gamma \(0\.9\) must be 1 with advantage_estimator rloo/);
  refused(`${base}training:\n  algorithm: rloo\n  per_device_train_batch_size: 4\nrloo:\n  vllm_importance_sampling_correction: true\n`, /vllm_importance_sampling_correction/);
});
