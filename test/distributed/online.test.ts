/**
 * GRPO and PPO data-parallel over loopback through `rlhf train`: each rank rolls out its own
 * prompts, rank 0 logs statistics over every rank's rows (a reward that is the rank number
 * logs a mean of exactly 0.5), and a 2-rank run resumed from its checkpoint ends with the same
 * weights as one that was not interrupted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSafetensors } from '../../src/io/index.js';
import { dispose } from '../../src/tensor/index.js';
import { freePort, rankEnv } from '../helpers/distributed.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const CLI = 'dist/src/cli/main.js';

const F = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'ddp-online-'));
  writeFileSync(join(dir, 'prompts.jsonl'), Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Topic ${i}: say something.`, reference: 'x' })).join('\n'));
  // Rank 0's completions score 0 and rank 1's score 1 (plus a learnable part that is 0 or 1/1000).
  writeFileSync(join(dir, 'rank.mjs'), "export default ({ completionIds }) => Number(process.env.RANK ?? 0) + (completionIds[0] % 2 === 0 ? 1e-3 : 0);\n");
  return dir;
})();

function writeConfig(algorithm: 'grpo' | 'ppo', out = mkdtempSync(join(tmpdir(), `ddp-${algorithm}-`))): { path: string; out: string } {
  const config = {
    model: { name_or_path: MODEL },
    training: { algorithm, output_dir: out, learning_rate: 2e-3, lr_scheduler_type: 'constant', logging_steps: 1, save_steps: 2, max_steps: 4, seed: 5, per_device_train_batch_size: 4, max_grad_norm: 1 },
    data: { max_prompt_length: 32, datasets: { prompt: { train_files: [{ path: join(F, 'prompts.jsonl') }] } } },
    generation: { max_new_tokens: 6, temperature: 1 },
    rewards: { functions: [{ module: join(F, 'rank.mjs'), weight: 1 }] },
    grpo: { group_size: 4, beta: 0.04, num_iterations: 2 },
    ppo: { ppo_epochs: 2, num_mini_batches: 1 },
  };
  const path = join(out, 'config.yaml');
  writeFileSync(path, JSON.stringify(config));
  return { path, out };
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RLHF_NUM_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function launch(args: string[]): Promise<void> {
  const port = await freePort();
  const ranks = await Promise.all(
    [0, 1].map((rank) => run(args, rankEnv(rank, 2, port))),
  );
  for (const r of ranks) assert.equal(r.code, 0, r.output);
}

function rows(out: string): Record<string, number>[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
}

function maxDiff(a: string, b: string): number {
  const x = loadSafetensors(a);
  const y = loadSafetensors(b);
  let max = 0;
  try {
    for (const [name, t] of x) max = Math.max(max, t.sub(y.get(name)!).abs().max().item());
  } finally {
    dispose([...x.values(), ...y.values()]);
  }
  return max;
}

for (const algorithm of ['grpo', 'ppo'] as const) {
  test(`${algorithm}: 2 ranks log global rollout statistics and a resumed run ends with the same weights`, async () => {
    const whole = writeConfig(algorithm);
    await launch(['train', '--config', whole.path]);
    const logged = rows(whole.out).filter((r) => typeof r['reward'] === 'number');
    assert.equal(logged.length, 4);
    for (const r of logged) {
      // 4 rows per rank: half score about 0 (rank 0), half about 1 (rank 1): mean 0.5 (+ < 1e-3), std sqrt(2/7).
      assert.ok(r['reward']! >= 0.5 && r['reward']! < 0.5 + 1e-3, `reward ${r['reward']}`);
      if (algorithm === 'grpo') assert.ok(Math.abs(r['reward_std']! - Math.sqrt(2 / 7)) < 2e-3, `reward_std ${r['reward_std']}`);
    }
    // Resume the same run from its step-2 checkpoint, in a fresh output dir.
    const resumedOut = mkdtempSync(join(tmpdir(), `ddp-${algorithm}-resumed-`));
    cpSync(join(whole.out, 'checkpoint-2'), join(resumedOut, 'checkpoint-2'), { recursive: true });
    const resumed = writeConfig(algorithm, resumedOut);
    await launch(['train', '--config', resumed.path, '--resume', 'latest']);
    const diff = maxDiff(join(whole.out, 'model.safetensors'), join(resumedOut, 'model.safetensors'));
    assert.ok(diff <= 1e-6, `resumed run differs by ${diff}`);
    const [a, b] = [rows(whole.out).filter((r) => r.step === 4)[0]!, rows(resumedOut).filter((r) => r.step === 4)[0]!];
    assert.equal(b['reward'], a['reward']);
    assert.ok(Math.abs(b['loss']! - a['loss']!) < 1e-6, `step 4 loss ${b['loss']} vs ${a['loss']}`);
  });
}
