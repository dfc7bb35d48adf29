/**
 * Online DPO: the first step on fixed completions and scores against TRL 1.13's
 * OnlineDPOTrainer.training_step (test/fixtures/rl/online_dpo.json, written by
 * make_online_dpo_golden.py), the pair choice and missing_eos_penalty, a run whose reward rises,
 * and the config's refusals.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ConfigError, parseConfig, RunConfig } from '../../../src/config/index.js';
import { writeSampleData, type OnlinePrompt } from '../../../src/data/index.js';
import { loadSafetensors } from '../../../src/io/safetensors.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../../src/models/index.js';
import { choosePairs, penalizeMissingEos, type OnlineDpoLossType } from '../../../src/rl/index.js';
import { dispose, noGrad, tidy } from '../../../src/tensor/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';
import { buildBatch, onlineDpoAlgorithm, OnlineTrainer, RolloutScorer, runOnlineDpo, sampleRollout, type Rollout } from '../../../src/trainers/online/index.js';
import { SINGLE_PROCESS } from '../../../src/trainers/online/world.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const fx = JSON.parse(readFileSync('test/fixtures/rl/online_dpo.json', 'utf8'));
const EOS = fx.eos_token_id as number;
const PAD = fx.pad_token_id as number;
const PROMPTS = fx.prompts as number[][];

interface Completion { ids: number[]; score: number }
interface GoldenCase { loss_type: OnlineDpoLossType; beta: number; missing_eos_penalty: number | null; max_length: number; completions: [Completion, Completion][]; loss: number; metrics: Record<string, number> }
const cases = Object.entries(fx.cases) as [string, GoldenCase][];

/** What the sampler "drew": the raw ids cut after the first EOS, as generation stops there. */
const cut = (ids: readonly number[]) => (ids.includes(EOS) ? ids.slice(0, ids.indexOf(EOS) + 1) : [...ids]);

/** A sampler returning each prompt's two fixed completions, in whatever order the prompts come. */
function fixedSampler(k: GoldenCase, calls: number[][][] = []): typeof sampleRollout {
  return (_policy, prompts, config): Rollout => {
    assert.equal(config.numReturnSequences, 2);
    calls.push(prompts.map((p) => [...p]));
    const rows = prompts.flatMap((p) => [p, p]);
    const completions = prompts.flatMap((p) => k.completions[PROMPTS.findIndex((q) => JSON.stringify(q) === JSON.stringify(p))]!.map((c) => cut(c.ids)));
    return { batch: buildBatch(rows, completions, completions.map(() => []), PAD), prompts: rows.map((r) => [...r]), completions, truncated: completions.map((c) => !c.includes(EOS)) };
  };
}

/** The fixed scores by completion, through the run's scorer (a weighted reward function). */
function fixedScorer(k: GoldenCase): RolloutScorer {
  const scores = new Map(k.completions.flat().map((c) => [JSON.stringify(cut(c.ids)), c.score]));
  const fn = ({ completionIds }: { completionIds: readonly number[] }) => scores.get(JSON.stringify([...completionIds])) as number;
  return new RolloutScorer(Tokenizer.fromPretrained(MODEL), [{ name: 'fixed', weight: 1, fn }], null);
}

function perturbed(): PretrainedCausalLm {
  const lm = loadCausalLm(MODEL);
  noGrad(() => lm.loadStateDict(loadSafetensors(join(MODEL, 'policy-perturbed.safetensors'))));
  return lm;
}

function algorithmOf(k: GoldenCase, policy: PretrainedCausalLm, calls?: number[][][]) {
  return onlineDpoAlgorithm(policy, loadCausalLm(MODEL), fixedScorer(k), {
    microBatchSize: PROMPTS.length,
    gradientAccumulationSteps: 1,
    beta: k.beta,
    lossType: k.loss_type,
    missingEosPenalty: k.missing_eos_penalty,
    maxLength: k.max_length,
    generation: { maxNewTokens: 6, padTokenId: PAD, eosTokenId: EOS },
    seed: 1,
    sample: fixedSampler(k, calls),
  });
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
// TRL sums these over the padding after EOS too; rlhf-ts over completion tokens (see the generator).
const OVER_PADDING = ['objective/kl', 'objective/entropy', 'objective/non_score_reward', 'objective/rlhf_reward'];
const prompts: OnlinePrompt[] = PROMPTS.map((ids) => ({ ids }));

test('online_dpo: the first loss and every logged metric equal TRL 1.13 OnlineDPOTrainer.training_step on fixed completions', async (t) => {
  assert.equal(cases.length, 4);
  const worst = { loss: 0, metric: 0 };
  for (const [name, k] of cases) {
    const policy = perturbed();
    const algo = algorithmOf(k, policy);
    const buffer = await algo.collect(prompts, 0, (fn) => fn(), SINGLE_PROCESS, 0);
    const { loss, metrics } = tidy(() => {
      const out = algo.loss(buffer, 0, 0);
      return { loss: out.loss.item(), metrics: out.metrics };
    });
    dispose(buffer);
    assert.ok(close(loss, k.loss, 1e-5), `${name}: loss ${loss} vs TRL ${k.loss}`);
    worst.loss = Math.max(worst.loss, Math.abs(loss - k.loss) / Math.max(1, Math.abs(k.loss)));
    for (const [m, want] of Object.entries(k.metrics)) {
      if (name.startsWith('padded') && OVER_PADDING.includes(m)) continue;
      const got = metrics[m];
      assert.ok(got !== undefined, `${name}: metric ${m} missing`);
      assert.ok(close(got, want, 1e-5), `${name}: ${m} ${got} vs TRL ${want}`);
      worst.metric = Math.max(worst.metric, Math.abs(got - want) / Math.max(1, Math.abs(want)));
    }
    policy.dispose();
  }
  t.diagnostic(`max loss diff ${worst.loss.toExponential(1)}, max metric diff ${worst.metric.toExponential(1)}`);
});

test('online_dpo: the online trainer\'s first logged step equals TRL\'s, and the step moves the policy', async () => {
  const k = fx.cases['equal_lengths_sigmoid_penalty'] as GoldenCase;
  const policy = perturbed();
  const before = policy.namedParameters().map(([n, p]) => [n, JSON.stringify(p.toArray())] as const);
  const calls: number[][][] = [];
  const training = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'online_dpo', output_dir: mkdtempSync(join(tmpdir(), 'odpo-golden-')), learning_rate: 1e-3, logging_steps: 1, save_steps: 100, max_steps: 1, per_device_train_batch_size: 3, seed: 3 },
    data: { dataset_path: 'unused.jsonl' },
    rewards: { functions: [{ name: 'length' }] },
  }).training;
  const r = await new OnlineTrainer(algorithmOf(k, policy, calls), { training, prompts, progress: sink }).train();
  const row = r.history.get(1)!;
  assert.equal(calls.length, 1);
  assert.ok(close(row['loss']!, k.loss, 1e-5), `loss ${row['loss']} vs TRL ${k.loss}`);
  for (const m of ['rewards/margins', 'objective/kl', 'objective/scores', 'logps/chosen', 'val/contain_eos_token', 'beta']) assert.ok(close(row[m]!, k.metrics[m]!, 1e-5), `${m} ${row[m]} vs TRL ${k.metrics[m]}`);
  const after = new Map(policy.namedParameters().map(([n, p]) => [n, JSON.stringify(p.toArray())]));
  for (const [n, v] of before) assert.notEqual(after.get(n), v, `${n} did not change`);
  const stats = JSON.parse(readFileSync(join(r.outputDir, 'training_stats.json'), 'utf8'));
  assert.ok(close(stats.final_reward, k.metrics['objective/scores']!, 1e-6), 'final_reward is objective/scores');
  policy.dispose();
});

test('online_dpo: the pair choice and missing_eos_penalty are exact; the buffer holds chosen then rejected', async () => {
  assert.deepEqual(penalizeMissingEos([0.5, 0.9, 0.3, 0.3], [true, false, true, true], 1), [0.5, 0.9 - 1, 0.3, 0.3]);
  assert.deepEqual(penalizeMissingEos([0.5, 0.9], [true, false], null), [0.5, 0.9]);
  // Pair 0: the second wins; pair 1: a tie goes to the first; pair 2: the first wins.
  assert.deepEqual(choosePairs([0.1, 0.2, 0.3, 0.3, 2, -1]), { chosen: [1, 2, 4], rejected: [0, 3, 5] });
  assert.throws(() => choosePairs([1, 2, 3]), /3 scores are not whole pairs/);
  const k = fx.cases['equal_lengths_sigmoid_penalty'] as GoldenCase;
  for (const penalty of [1, null]) {
    const policy = perturbed();
    const buffer = await algorithmOf({ ...k, missing_eos_penalty: penalty }, policy).collect(prompts, 0, (fn) => fn(), SINGLE_PROCESS, 0);
    // Scores (a, b): (0.5, 0.9 no EOS), (0.3, 0.3), (0.2 no EOS, -0.5). With the penalty 1: a, a (tie), b; without: b, a, a.
    const want = penalty === null ? [[0.9, 0.5], [0.3, 0.3], [0.2, -0.5]] : [[0.5, 0.9 - 1], [0.3, 0.3], [-0.5, 0.2 - 1]];
    assert.deepEqual(buffer.scores.map((s) => Math.round(s * 1e9) / 1e9), want.flat().map((s) => Math.round(s * 1e9) / 1e9));
    const firstChosen = (buffer.batch.completionIds.toArray() as number[][])[0]!;
    assert.deepEqual(firstChosen.slice(0, 6), penalty === null ? k.completions[0]![1].ids : k.completions[0]![0].ids);
    assert.deepEqual(buffer.containsEos, penalty === null ? [false, true, true, true, false, true] : [true, false, true, true, true, false]);
    dispose(buffer);
    policy.dispose();
  }
});

/** The built-in sample prompts (`rlhf data sample`), 16 of them, and a learnable reward function. */
function promptFixtures(): { prompts: string; reward: string } {
  const dir = mkdtempSync(join(tmpdir(), 'odpo-'));
  const sample = writeSampleData(join(dir, 'sample'), { sft: 32 });
  const rows = readFileSync(sample['prompts']!.path, 'utf8').trim().split('\n').slice(0, 16);
  assert.equal(rows.length, 16);
  writeFileSync(join(dir, 'prompts.jsonl'), `${rows.join('\n')}\n`);
  // A learnable preference: the share of completion tokens with an even id.
  writeFileSync(join(dir, 'even.mjs'), 'export default ({ completionIds }) => completionIds.filter((id) => id % 2 === 0).length / Math.max(1, completionIds.length);\n');
  return { prompts: join(dir, 'prompts.jsonl'), reward: join(dir, 'even.mjs') };
}
const F = promptFixtures();

function config(training: Record<string, unknown>, extra: Record<string, unknown> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'online_dpo', output_dir: mkdtempSync(join(tmpdir(), 'odpo-out-')), learning_rate: 2e-3, lr_scheduler_type: 'constant', logging_steps: 1, save_steps: 1000, seed: 5, per_device_train_batch_size: 8, device: 'cpu', ...training },
    data: { max_prompt_length: 32, datasets: { prompt: { train_files: [{ path: F.prompts }] } } },
    generation: { max_new_tokens: 8, temperature: 1 },
    rewards: { functions: [{ module: F.reward, weight: 1 }] },
    online_dpo: { beta: 0.1 },
    ...extra,
  });
}

test('online_dpo: the mean score rises on a learnable reward, and the first step has zero KL to the reference', async (t) => {
  // The thresholds hold for the CPU's sampling stream.
  const r = await runOnlineDpo(config({ max_steps: 40, learning_rate: 4e-3 }), { progress: sink });
  const scores = [...r.history.values()].map((row) => row['objective/scores'] as number);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [first, last] = [mean(scores.slice(0, 10)), mean(scores.slice(-10))];
  t.diagnostic(`objective/scores ${first.toFixed(3)} -> ${last.toFixed(3)}; rewards/accuracies at step 40 ${r.history.get(40)?.['rewards/accuracies']}`);
  assert.ok(last > first + 0.1, `objective/scores ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.equal(r.history.get(1)?.['objective/kl'], 0);
  for (const m of ['rewards/chosen', 'rewards/rejected', 'rewards/accuracies', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'objective/entropy', 'objective/non_score_reward', 'objective/rlhf_reward', 'objective/scores_margin', 'val/contain_eos_token', 'beta', 'grad_norm']) {
    assert.ok(Number.isFinite(r.history.get(2)?.[m]), m);
  }
  assert.ok((r.history.get(40)?.['objective/kl'] as number) !== 0);
  assert.match(readFileSync(join(r.outputDir, 'training.log'), 'utf8'), /online_dpo: 16 prompts, 8 per iteration, 1 updates each, 40 steps/);
});

test('online_dpo: beta per epoch, ipo, LoRA (reference = adapters disabled) and gradient accumulation run', async () => {
  const r = await runOnlineDpo(config({ max_steps: 4, per_device_train_batch_size: 4, gradient_accumulation_steps: 2, num_epochs: 2 }, { online_dpo: { beta: [0.1, 0.3], loss_type: 'ipo' }, lora: { enabled: true, r: 4, alpha: 8 } }), { progress: sink });
  // 16 prompts, 8 per step: steps 1-2 are epoch 0, steps 3-4 epoch 1.
  assert.deepEqual([1, 2, 3, 4].map((s) => r.history.get(s)?.['beta']), [0.1, 0.1, 0.3, 0.3]);
  assert.equal(r.history.get(1)?.['objective/kl'], 0);
  assert.ok(existsSync(join(r.outputDir, 'adapter_config.json')));
});

test('online_dpo: config refusals name the key and the fix', () => {
  const base = `model:\n  name_or_path: ${MODEL}\ntraining:\n  algorithm: online_dpo\ndata:\n  dataset_path: ${F.prompts}\n`;
  const refused = (yaml: string, pattern: RegExp) => assert.throws(() => parseConfig(yaml, { env: {} }), (err: unknown) => err instanceof ConfigError && pattern.test(err.message), pattern.source);
  const rewards = 'rewards:\n  functions:\n    - {name: exact_match}\n';
  refused(base, /training\.algorithm is online_dpo: its pairs are chosen by a score; set rewards\.functions or a reward model/);
  refused(`${base}${rewards}online_dpo:\n  loss_type: hinge\n`, /online_dpo\.loss_type: expected one of sigmoid \| ipo, got "hinge"/);
  refused(`${base}${rewards}online_dpo:\n  missing_eos_penalty: -1\n`, /online_dpo\.missing_eos_penalty: expected a positive number or null, got -1/);
  refused(`${base}${rewards}online_dpo:\n  temperature: 0.9\n`, /online_dpo\.temperature is not a known key/);
  refused(`${base}${rewards}online_dpo:\n  beta: [0.1, 0.2, 0.3]\n`, /online_dpo\.beta lists 3 values \(one per epoch\), but the run has training\.num_epochs 1: the last 2 would never be used/);
  refused(`${base}${rewards}generation:\n  max_new_tokens: 64\n`.replace('dataset_path', 'max_length: 64\n  dataset_path').replace('max_length: 64\n  dataset_path', 'max_length: 64\n  max_prompt_length: 32\n  dataset_path'), /online_dpo: generation\.max_new_tokens \(64\) must be below data\.max_length \(64\)/);
  refused(`${base}${rewards}generation:\n  do_sample: false\n`, /online_dpo: generation\.do_sample is false, so both completions of a prompt would be the same greedy one/);
  refused(`${base}${rewards}generation:\n  temperature: 0\n`, /online_dpo: generation\.temperature is 0, so both completions/);
  refused(base.replace('algorithm: online_dpo', 'algorithm: online_dpo\n  per_device_train_batch_size: auto') + rewards, /per_device_train_batch_size auto is not supported by [a-z_/]*online_dpo/);
  // A list of betas that fits the epochs, and max_steps runs, are accepted.
  parseConfig(`${base}${rewards}online_dpo:\n  beta: [0.1, 0.2]\n`.replace('algorithm: online_dpo', 'algorithm: online_dpo\n  num_epochs: 2'), { env: {} });
  parseConfig(`${base}${rewards}online_dpo:\n  beta: [0.1, 0.2, 0.3]\n`.replace('algorithm: online_dpo', 'algorithm: online_dpo\n  max_steps: 10'), { env: {} });
});
