import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ConfigError, parseConfig, RunConfig } from '../../../src/config/index.js';
import { runGrpo, runPpo } from '../../../src/trainers/online/index.js';
import { CausalLM } from '../../../src/models/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

function fixtures(): { prompts: string; reward: string } {
  const dir = mkdtempSync(join(tmpdir(), 'grpo-'));
  const rows = Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Topic ${i}: say something.`, reference: 'x' }));
  writeFileSync(join(dir, 'prompts.jsonl'), `${rows.join('\n')}\n`);
  // A learnable preference: the share of completion tokens with an even id.
  writeFileSync(join(dir, 'even.mjs'), 'export default ({ completionIds }) => completionIds.filter((id) => id % 2 === 0).length / Math.max(1, completionIds.length);\n');
  return { prompts: join(dir, 'prompts.jsonl'), reward: join(dir, 'even.mjs') };
}
const F = fixtures();

function config(algorithm: 'grpo' | 'ppo', training: Record<string, unknown>, extra: Record<string, unknown> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm, output_dir: mkdtempSync(join(tmpdir(), `${algorithm}-out-`)), learning_rate: 2e-3, logging_steps: 1, save_steps: 1000, seed: 5, per_device_train_batch_size: 8, gradient_accumulation_steps: 1, max_grad_norm: 1, ...training },
    data: { max_prompt_length: 32, datasets: { prompt: { train_files: [{ path: F.prompts }] } } },
    generation: { max_new_tokens: 8, temperature: 1 },
    rewards: { functions: [{ module: F.reward, weight: 1 }] },
    grpo: { group_size: 4, beta: 0.04 },
    ...extra,
  });
}

test('grpo: the mean reward rises on a learnable reward, and the first step has zero KL to the reference', async () => {
  // The thresholds hold for the CPU's sampling stream; CUDA draws other samples from the same seed.
  const c = config('grpo', { max_steps: 24, lr_scheduler_type: 'constant', device: 'cpu' });
  const r = await runGrpo(c, { progress: sink });
  const rewards = [...r.history.values()].map((row) => row['reward'] as number);
  const first = rewards.slice(0, 6).reduce((a, b) => a + b, 0) / 6;
  const last = rewards.slice(-6).reduce((a, b) => a + b, 0) / 6;
  assert.ok(last > first + 0.1, `reward ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.equal(r.history.get(1)?.['kl'], 0);
  for (const k of ['reward_std', 'frac_reward_zero_std', 'group_reward_variance', 'clip_ratio', 'completions/mean_length', 'grad_norm']) {
    assert.ok(Number.isFinite(r.history.get(2)?.[k]), k);
  }
});

test('grpo: a run resumed from a checkpoint logs the same metrics as an uninterrupted one', async () => {
  const base = config('grpo', { max_steps: 4, save_steps: 2 }, { grpo: { group_size: 4, beta: 0.04, num_iterations: 2 } });
  const full = await runGrpo(base, { progress: sink });
  const resumed = await runGrpo(RunConfig.parse({ ...base, training: { ...base.training, output_dir: mkdtempSync(join(tmpdir(), 'grpo-res-')) } }), { progress: sink, resume: join(base.training.output_dir, 'checkpoint-2') });
  assert.deepEqual([...resumed.history.keys()], [3, 4]);
  for (const step of [3, 4]) {
    for (const k of ['loss', 'reward', 'kl', 'grad_norm']) {
      const a = full.history.get(step)?.[k] as number;
      const b = resumed.history.get(step)?.[k] as number;
      assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a)), `step ${step} ${k}: ${a} vs ${b}`);
    }
  }
});

test('grpo: generation.max_batch_size decodes at most that many rows at once, with the same greedy completions', async () => {
  // Rows of every decoding forward (those that extend a KV cache).
  const decoded: number[] = [];
  const forward = CausalLM.prototype.forward;
  CausalLM.prototype.forward = function (this: CausalLM, input) {
    if (input.cache !== undefined && input.inputIds !== undefined) decoded.push(input.inputIds.shape[0] as number);
    return forward.call(this, input);
  };
  try {
    const greedy = { max_new_tokens: 8, do_sample: false };
    const whole = await runGrpo(config('grpo', { max_steps: 2 }, { generation: greedy }), { progress: sink });
    assert.equal(Math.max(...decoded), 8, 'without a cap the 2 prompts x group 4 decode as one batch of 8');
    decoded.length = 0;
    const capped = await runGrpo(config('grpo', { max_steps: 2 }, { generation: { ...greedy, max_batch_size: 3 } }), { progress: sink });
    assert.equal(Math.max(...decoded), 3);
    for (const step of [1, 2]) {
      for (const k of ['reward', 'completions/mean_length', 'loss']) {
        const a = whole.history.get(step)?.[k] as number;
        const b = capped.history.get(step)?.[k] as number;
        assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)), `step ${step} ${k}: ${a} vs ${b}`);
      }
    }
  } finally {
    CausalLM.prototype.forward = forward;
  }
});

test('grpo: batch sizes that are not whole groups are rejected at config time with the numbers', () => {
  const yaml = `model:\n  name_or_path: ${MODEL}\ntraining:\n  algorithm: grpo\n  per_device_train_batch_size: 6\ndata:\n  dataset_path: ${F.prompts}\nrewards:\n  functions:\n    - {name: exact_match}\ngrpo:\n  group_size: 4\n`;
  assert.throws(() => parseConfig(yaml, { env: {} }), (err: unknown) => err instanceof ConfigError && /config\.yaml:5: grpo: per_device_train_batch_size x gradient_accumulation_steps = 6 x 1 = 6 completions per step, which is not a whole number of groups of 4/.test(err.message));
});

test('grpo: bf16 autocast covers rollout and update alike (zero KL and no clipping on a fresh rollout), and differs from float32', async () => {
  const grpo = { grpo: { group_size: 4, beta: 0.04, num_iterations: 2 } };
  const bf16 = await runGrpo(config('grpo', { max_steps: 2, bf16: true, device: 'cpu' }, grpo), { progress: sink });
  const fp32 = await runGrpo(config('grpo', { max_steps: 2, device: 'cpu' }, grpo), { progress: sink });
  // Step 1: reference, old and new log-probs all come from the same bf16 forward, bit for bit.
  assert.equal(bf16.history.get(1)?.['kl'], 0);
  assert.match(readFileSync(join(bf16.outputDir, 'training.log'), 'utf8'), /grpo: 16 prompts, 2 per iteration, 2 updates each, 2 steps, bfloat16 autocast/);
  assert.equal(bf16.history.get(1)?.['clip_ratio'], 0);
  assert.ok(Number.isFinite(bf16.history.get(2)?.['loss']));
  assert.ok((bf16.history.get(2)?.['kl'] as number) > 0);
  // The same seed in float32 gives other numbers: the flag was not ignored.
  const gradNorm = (r: typeof fp32) => r.history.get(1)?.['grad_norm'] as number;
  assert.ok(gradNorm(bf16) > 0 && gradNorm(fp32) > 0 && gradNorm(bf16) !== gradNorm(fp32), `grad_norm ${gradNorm(bf16)} vs ${gradNorm(fp32)}`);
});

test('online trainers: fp16 is refused at config time with the fix', () => {
  const yaml = `model:\n  name_or_path: ${MODEL}\ntraining:\n  algorithm: ppo\n  fp16: true\ndata:\n  dataset_path: ${F.prompts}\nrewards:\n  functions:\n    - {name: exact_match}\n`;
  assert.throws(() => parseConfig(yaml, { env: {} }), (err: unknown) => err instanceof ConfigError && /config\.yaml:5: training\.fp16 is not supported by [a-z_/]*grpo[a-z_/]* \(the online loop does no loss scaling\); use training\.bf16/.test(err.message));
});

test('ppo: under bf16 the first update of a rollout has ratio exactly 1', async () => {
  const c = config('ppo', { max_steps: 2, bf16: true, device: 'cpu', per_device_train_batch_size: 4 }, { ppo: { ppo_epochs: 1, num_mini_batches: 1 } });
  const r = await runPpo(c, { progress: sink });
  assert.equal(r.history.get(1)?.['val/ratio'], 1);
  assert.equal(r.history.get(1)?.['policy/clipfrac'], 0);
  assert.ok(Number.isFinite(r.history.get(2)?.['loss/value']));
});

test('ppo: trains with a value model, adaptive KL state survives resume exactly', async () => {
  const extra = { ppo: { ppo_epochs: 2, num_mini_batches: 2, adaptive_kl: true, target_kl: 0.01, kl_horizon: 100, kl_coef: 0.1 } };
  const base = config('ppo', { max_steps: 8, save_steps: 4, per_device_train_batch_size: 4 }, extra);
  const full = await runPpo(base, { progress: sink });
  const coefs = [...full.history.values()].map((row) => row['kl_coef'] as number);
  assert.notEqual(coefs[0], coefs.at(-1)); // the controller moved
  for (const k of ['loss/policy', 'loss/value', 'policy/entropy', 'policy/approxkl', 'policy/clipfrac', 'val/explained_variance', 'objective/kl', 'objective/scores']) {
    assert.ok(Number.isFinite(full.history.get(8)?.[k]), k);
  }
  const resumed = await runPpo(RunConfig.parse({ ...base, training: { ...base.training, output_dir: mkdtempSync(join(tmpdir(), 'ppo-res-')) } }), { progress: sink, resume: join(base.training.output_dir, 'checkpoint-4') });
  for (const step of [5, 8]) {
    for (const k of ['loss', 'reward', 'kl_coef', 'loss/value']) {
      const a = full.history.get(step)?.[k] as number;
      const b = resumed.history.get(step)?.[k] as number;
      assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a)), `step ${step} ${k}: ${a} vs ${b}`);
    }
  }
});

test('ppo: a shared-trunk value head trains and is saved beside the policy', async () => {
  const c = config('ppo', { max_steps: 2, per_device_train_batch_size: 4 }, { ppo: { ppo_epochs: 1, num_mini_batches: 2, value_head: 'shared' } });
  const r = await runPpo(c, { progress: sink });
  assert.ok(Number.isFinite(r.history.get(2)?.['loss/value']));
  assert.ok(existsSync(join(c.training.output_dir, 'value_head', 'model.safetensors')));
  assert.ok(!existsSync(join(c.training.output_dir, 'value_model')));
});
