import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { loadRewardExamples, padIdOf, type PreferenceExample } from '../../../src/data/index.js';
import { SequenceScoreModel } from '../../../src/models/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { noGrad, tidy } from '../../../src/tensor/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';
import { Trainer } from '../../../src/trainers/loop/index.js';
import { rewardAccuracy, rewardAlgorithm, runReward } from '../../../src/trainers/reward/index.js';

const BASE = 'test/fixtures/models/tiny-qwen2';
const RM = 'test/fixtures/models/tiny-qwen2-rm';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

interface RmCase { margin: number | null; input_ids: number[][]; attention_mask: number[][]; rewards_chosen: number[]; rewards_rejected: number[]; loss_trl: number }
const golden = JSON.parse(readFileSync(join(RM, 'golden.json'), 'utf8')) as { cases: Record<string, RmCase> };

/** The golden rows [chosen_0, chosen_1, rejected_0, rejected_1] back into 2 pairs (unpadded ids). */
function goldenPairs(c: RmCase): PreferenceExample[] {
  const row = (i: number) => c.input_ids[i]!.slice(0, c.attention_mask[i]!.reduce((a, b) => a + b, 0));
  return [0, 1].map((i) => ({ promptIds: [], chosenIds: row(i), rejectedIds: row(i + 2), truncated: false, ...(c.margin === null ? {} : { margin: c.margin }) }));
}

for (const name of ['no_margin', 'margin_0.5']) {
  test(`reward: loss on the golden batch (${name}) equals TRL's`, () => {
    const c = golden.cases[name]!;
    const model = SequenceScoreModel.fromPretrained(RM);
    const algo = rewardAlgorithm(model, 3, { useMargin: c.margin !== null });
    const r = tidy(() => noGrad(() => {
      const out = algo.loss(goldenPairs(c));
      return { loss: out.loss.item(), n: out.numTokens, m: out.metrics ?? {} };
    }));
    assert.equal(r.n, 2);
    const loss = r.loss / r.n; // what the loop logs for this step
    assert.ok(Math.abs(loss - c.loss_trl) < 1e-5, `loss ${loss} vs ${c.loss_trl}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(r.m['rewards/chosen']! / 2 - mean(c.rewards_chosen)) < 1e-5);
    assert.ok(Math.abs(r.m['rewards/rejected']! / 2 - mean(c.rewards_rejected)) < 1e-5);
    const acc = mean(c.rewards_chosen.map((x, i) => (x > c.rewards_rejected[i]! ? 1 : 0)));
    assert.equal(r.m['accuracy']! / 2, acc);
    model.dispose();
  });
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'reward-data-'));
  const topics = ['cats', 'rain', 'maths', 'music', 'trees', 'rivers', 'bread', 'stars'];
  const rows = Array.from({ length: 32 }, (_, i) => JSON.stringify({
    prompt: `Tell me about ${topics[i % topics.length]} ${i}.`,
    chosen: `Here is a clear and helpful answer about ${topics[i % topics.length]}.`,
    rejected: 'no no no no',
  }));
  writeFileSync(join(dir, 'train.jsonl'), `${rows.slice(0, 24).join('\n')}\n`);
  writeFileSync(join(dir, 'val.jsonl'), `${rows.slice(24).join('\n')}\n`);
  return dir;
}
const DATA = dataDir();

function config(training: Record<string, unknown> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: BASE },
    training: { algorithm: 'reward', output_dir: mkdtempSync(join(tmpdir(), 'reward-out-')), learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, warmup_steps: 1, max_steps: 12, per_device_train_batch_size: 4, ...training },
    data: { max_length: 64, max_prompt_length: 32, datasets: { preference: { train_files: [{ path: join(DATA, 'train.jsonl') }], validation_files: [{ path: join(DATA, 'val.jsonl') }] } } },
  });
}

test('reward: training on preference pairs raises validation accuracy above 0.5', async () => {
  const c = config();
  const r = await runReward(c, { progress: sink });
  const out = c.training.output_dir;
  for (const f of ['metrics.jsonl', 'config.json', 'resolved_config.yaml', 'training_stats.json']) assert.ok(existsSync(join(out, f)), f);
  const rows = readMetrics(join(out, 'metrics.jsonl'));
  const train = rows.filter((row) => typeof row['loss'] === 'number');
  assert.equal(train.length, 12);
  for (const k of ['accuracy', 'margin', 'rewards/chosen', 'rewards/rejected']) assert.ok(train.every((row) => typeof row[k] === 'number'), k);
  const evalAcc = rows.filter((row) => typeof row['eval/accuracy'] === 'number').map((row) => row['eval/accuracy'] as number);
  assert.ok(evalAcc.length > 0 && evalAcc.at(-1)! > 0.5, `eval/accuracy ${evalAcc}`);
  assert.ok(r.evalLoss !== null && r.evalLoss < Math.log(2), `eval loss ${r.evalLoss}`);
  // The saved directory reloads as a reward model with the same validation accuracy.
  const tok = Tokenizer.fromPretrained(BASE);
  const val = await loadRewardExamples(c, tok, 'validation');
  const rm = SequenceScoreModel.fromPretrained(out);
  assert.ok(rewardAccuracy(rm, val, padIdOf(tok)) > 0.5);
  rm.dispose();
});

test('reward: every trainable parameter (trunk and the fresh score head) changes', async () => {
  const c = config({ max_steps: 3 });
  const tok = Tokenizer.fromPretrained(BASE);
  const train = await loadRewardExamples(c, tok, 'train');
  assert.equal(train.length, 24);
  const model = SequenceScoreModel.fromPretrained(BASE);
  const before = new Map(model.namedParameters().map(([k, p]) => [k, p.flatValues() as number[]]));
  await new Trainer(rewardAlgorithm(model, padIdOf(tok)), { training: c.training, train, progress: sink }).train();
  const trainable = new Set(model.trainableParameters());
  let checked = 0;
  for (const [k, p] of model.namedParameters()) {
    if (!trainable.has(p)) continue;
    const x = before.get(k)!;
    const y = p.flatValues() as number[];
    let d = 0;
    for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
    assert.ok(d > 0, `${k} did not change`);
    checked++;
  }
  assert.ok(checked > 0 && before.has('score.weight'));
  model.dispose();
});

test('reward: losses are normalised over the pairs of the whole step (1 x 4 accumulation equals 4 x 1)', async () => {
  const a = config({ max_steps: 2, per_device_train_batch_size: 4, gradient_accumulation_steps: 1 });
  const b = config({ max_steps: 2, per_device_train_batch_size: 1, gradient_accumulation_steps: 4 });
  const ra = await runReward(a, { progress: sink });
  const rb = await runReward(b, { progress: sink });
  for (const step of [1, 2]) assert.ok(Math.abs(ra.losses.get(step)! - rb.losses.get(step)!) < 1e-4, `step ${step}: ${ra.losses.get(step)} vs ${rb.losses.get(step)}`);
});
