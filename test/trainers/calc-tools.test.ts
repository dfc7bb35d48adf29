/**
 * Multi-turn tool use that learns, shortened and seeded: the shipped calculator configs end to end
 * on fewer prompts — SFT from scratch on conversations of which 30% call the calculator, then
 * GRPO over calculator episodes. The mean reward (exact match of the final answer) of the last
 * quarter of the GRPO steps must clearly beat the first quarter's, and so must the tool-call rate;
 * and a run killed at a checkpoint and resumed logs exactly what the uninterrupted run logs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig, RunConfig } from '../../src/config/index.js';
import { writeCalculatorTask } from '../../src/data/index.js';
import { runGrpo } from '../../src/trainers/online/index.js';
import { runSft } from '../../src/trainers/sft/index.js';

const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const SFT_STEPS = 800; // the shipped config's steps: about 40 s on an idle 2-core CPU
const GRPO_STEPS = 16;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const data = mkdtempSync(join(tmpdir(), 'calc-data-'));
const files = writeCalculatorTask(data, { seed: 0, sft: 4000, sftVal: 32, prompts: 400, eval: 32 });
const sftOut = mkdtempSync(join(tmpdir(), 'calc-sft-'));

function grpoConfig(output: string, overrides: string[] = []): RunConfig {
  return loadConfig('examples/configs/calc-tools-grpo.yaml', {
    env: {},
    overrides: [`model.name_or_path=${sftOut}`, `training.output_dir=${output}`, 'training.logging_steps=1', `data.datasets.prompt.train_files=[{path: ${files.prompts.path}}]`, ...overrides],
  });
}

test('calculator: SFT with some tool-call traces, then GRPO over episodes raises the reward and the tool-call rate', async (t) => {
  const started = Date.now();
  await runSft(loadConfig('examples/configs/calc-tools-sft.yaml', {
    env: {},
    overrides: [
      `training.output_dir=${sftOut}`, `training.max_steps=${SFT_STEPS}`, 'training.eval_steps=100000', 'training.save_steps=100000',
      `data.datasets.sft.train_files=[{path: ${files.sft.path}}]`, `data.datasets.sft.validation_files=[{path: ${files.sft_val.path}}]`,
    ],
  }), { progress: sink });
  const sftSeconds = (Date.now() - started) / 1000;
  const r = await runGrpo(grpoConfig(mkdtempSync(join(tmpdir(), 'calc-grpo-')), [`training.max_steps=${GRPO_STEPS}`, 'training.save_steps=100000']), { progress: sink });
  const rows = [...r.history.values()];
  assert.equal(rows.length, GRPO_STEPS);
  const k = GRPO_STEPS / 4;
  const series = (key: string) => rows.map((row) => row[key] as number);
  const [reward, calls] = [series('reward'), series('tools/call_frequency')];
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`sft ${SFT_STEPS} steps ${sftSeconds.toFixed(0)} s; grpo ${GRPO_STEPS} steps; reward ${mean(reward.slice(0, k)).toFixed(3)} -> ${mean(reward.slice(-k)).toFixed(3)}; tool calls/episode ${mean(calls.slice(0, k)).toFixed(3)} -> ${mean(calls.slice(-k)).toFixed(3)}; ${seconds.toFixed(0)} s`);
  assert.deepEqual(series('rewards/environment/mean'), reward, 'the reward is the environment\'s');
  assert.ok(mean(reward.slice(-k)) > mean(reward.slice(0, k)) + 0.1, `reward ${mean(reward.slice(0, k))} -> ${mean(reward.slice(-k))}`);
  assert.ok(mean(calls.slice(-k)) > mean(calls.slice(0, k)) + 0.1, `tool calls ${mean(calls.slice(0, k))} -> ${mean(calls.slice(-k))}`);
});

test('calculator: a GRPO episode run resumed from a checkpoint logs exactly what the uninterrupted run logs', async () => {
  const full = await runGrpo(grpoConfig(mkdtempSync(join(tmpdir(), 'calc-full-')), ['training.max_steps=4', 'training.save_steps=2', 'training.save_total_limit=2']), { progress: sink });
  const fullDir = full.outputDir;
  const resumed = await runGrpo(grpoConfig(mkdtempSync(join(tmpdir(), 'calc-resumed-')), ['training.max_steps=4', 'training.save_steps=2']), { progress: sink, resume: join(fullDir, 'checkpoint-2') });
  assert.deepEqual([...resumed.history.keys()], [3, 4]);
  for (const step of [3, 4]) assert.deepEqual(resumed.history.get(step), full.history.get(step), `step ${step}`);
});
