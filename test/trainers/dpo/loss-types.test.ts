/** Short DPO runs with each loss type TRL 1.13 added after sigmoid/ipo/hinge/robust: every one trains. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import type { PreferenceExample } from '../../../src/data/index.js';
import { loadCausalLm } from '../../../src/models/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import type { DpoLossType } from '../../../src/rl/index.js';
import { Trainer } from '../../../src/trainers/loop/index.js';
import { dpoAlgorithm, runDpo } from '../../../src/trainers/dpo/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const pref = JSON.parse(readFileSync(join(MODEL, 'golden.json'), 'utf8')).preference;
const pairs: PreferenceExample[] = [0, 1].map((i) => ({
  promptIds: pref.prompt_ids[i], chosenIds: pref.chosen_ids[i], rejectedIds: pref.rejected_ids[i], truncated: false,
}));

const NEW_TYPES: readonly DpoLossType[] = ['exo_pair', 'nca_pair', 'bco_pair', 'sppo_hard', 'aot', 'aot_unpaired', 'apo_zero', 'apo_down', 'discopop', 'sigmoid_norm'];

/** Trains 4 steps of 2 pairs on a fresh policy; returns the logged losses. */
async function lossesOf(lossType: DpoLossType): Promise<number[]> {
  const policy = loadCausalLm(MODEL);
  const algo = dpoAlgorithm(policy, { reference: loadCausalLm(MODEL), padTokenId: 3, beta: 0.5, lossType, labelSmoothing: lossType === 'exo_pair' ? 1e-3 : 0 });
  const out = mkdtempSync(join(tmpdir(), `dpo-${lossType}-`));
  const training = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'dpo', output_dir: out, learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, warmup_steps: 0, max_steps: 4, per_device_train_batch_size: 2 },
    data: { dataset_path: 'unused.jsonl' },
  }).training;
  await new Trainer(algo, { training, train: [...pairs, ...pairs], progress: sink }).train();
  return readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined).map((r) => r['loss'] as number);
}

for (const type of NEW_TYPES) {
  test(`dpo: loss_type ${type} trains (finite losses that change)`, async () => {
    const losses = await lossesOf(type);
    assert.equal(losses.length, 4);
    assert.ok(losses.every(Number.isFinite), `${type}: ${losses}`);
    assert.notEqual(losses[3], losses[0], `${type}: loss did not change (${losses})`);
  });
}

test('dpo: runDpo trains a weighted mix of the new loss types from a config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpo-mix-'));
  const rows = Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Tell me about topic ${i}.`, chosen: 'A clear and helpful answer.', rejected: 'no no no' }));
  writeFileSync(join(dir, 'train.jsonl'), `${rows.join('\n')}\n`);
  const config = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'dpo', output_dir: mkdtempSync(join(tmpdir(), 'dpo-mix-run-')), learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, warmup_steps: 0, max_steps: 3, per_device_train_batch_size: 4 },
    data: { max_length: 64, max_prompt_length: 32, datasets: { preference: { train_files: [{ path: join(dir, 'train.jsonl') }] } } },
    dpo: { beta: 0.1, loss_type: ['exo_pair', 'bco_pair', 'aot', 'discopop', 'sigmoid_norm'], loss_weights: [1, 0.5, 0.5, 1, 0.25], label_smoothing: 1e-3, discopop_tau: 0.1 },
  });
  const r = await runDpo(config, { progress: sink });
  assert.equal(r.globalStep, 3);
  const first = r.losses.get(1)!;
  const last = r.losses.get(3)!;
  assert.ok(Number.isFinite(first) && Number.isFinite(last), `${first} -> ${last}`);
  assert.ok(last < first, `${first} -> ${last}`);
});
