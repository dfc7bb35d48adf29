/**
 * grpo, ppo, rloo and reinforce_pp with an environment module (config `environment.module`) on tiny-qwen2: episodes
 * train end to end, the environment's reward is the reward, and the episode metrics are logged.
 * (Multi-turn learning is test/trainers/calc-tools.test.ts, on a model that calls the tool.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { runGrpo, runPpo, runReinforcePp, runRloo } from '../../../src/trainers/online/index.js';

const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const dir = mkdtempSync(join(tmpdir(), 'episodes-run-'));
writeFileSync(join(dir, 'prompts.jsonl'), `${Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: [{ role: 'user', content: `Topic ${i}: say something.` }] })).join('\n')}\n`);
// Rewards the share of "e" in a turn and answers each turn with a tool message until the third.
writeFileSync(join(dir, 'env.mjs'), `export default {
  name: 'e-counter',
  tools: [],
  create() {
    let turns = 0;
    return {
      reset() { turns = 0; },
      step(text) {
        turns += 1;
        const reward = [...text].filter((c) => c === 'e').length / Math.max(1, text.length);
        return turns < 3 ? { messages: [{ role: 'tool', name: 'count', content: String(reward) }], reward, done: false, toolCalls: 1 } : { messages: [], reward, done: true };
      },
    };
  },
};
`);

const RUNNERS = { grpo: runGrpo, ppo: runPpo, rloo: runRloo, reinforce_pp: runReinforcePp };
const config = (algorithm: keyof typeof RUNNERS) => RunConfig.parse({
  model: { name_or_path: 'test/fixtures/models/tiny-qwen2' },
  training: { algorithm, output_dir: mkdtempSync(join(tmpdir(), `${algorithm}-env-`)), max_steps: 2, learning_rate: 1e-3, logging_steps: 1, save_steps: 1000, seed: 3, per_device_train_batch_size: 8 },
  data: { max_prompt_length: 32, datasets: { prompt: { train_files: [{ path: join(dir, 'prompts.jsonl') }] } } },
  generation: { max_new_tokens: 8, temperature: 1 },
  grpo: { group_size: 4 },
  ppo: { num_mini_batches: 1 },
  rloo: { num_generations: 4 },
  reinforce_pp: { advantage_estimator: 'reinforce_baseline', n_samples_per_prompt: 4 },
  environment: { module: join(dir, 'env.mjs'), max_turns: 3, max_episode_tokens: 96 },
});

for (const algorithm of ['grpo', 'ppo', 'rloo', 'reinforce_pp'] as const) {
  test(`${algorithm} over episodes: finite losses, the environment's reward, episode metrics`, async () => {
    const r = await RUNNERS[algorithm](config(algorithm), { progress: sink });
    const row = r.history.get(1)!;
    assert.ok(Number.isFinite(row['loss']), 'loss');
    assert.equal(row['reward'], row['rewards/environment/mean']);
    for (const k of ['tools/call_frequency', 'tools/failure_frequency', 'episodes/mean_turns', 'episodes/mean_length', 'episodes/turn_limit_ratio', 'completions/mean_length']) assert.ok(Number.isFinite(row[k]), k);
    assert.ok(row['episodes/mean_length']! >= row['completions/mean_length']!, 'episodes count environment tokens too');
  });
}
