/**
 * KTO trainer: the first loss and metrics on tiny-qwen2 (perturbed policy, the unperturbed model as
 * the live reference, the two golden pairs unpaired) against TRL 1.13's KTOTrainer._compute_loss
 * (test/fixtures/rl/kto.json, written by make_kto_golden.py), the first logged loss of a run, a
 * short run on the sample data whose reward margin rises, and runKto from a config.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import type { UnpairedPreferenceExample } from '../../../src/data/index.js';
import { shuffledIndices, writeSampleData } from '../../../src/data/index.js';
import { loadSafetensors } from '../../../src/io/safetensors.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../../src/models/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import type { KtoLossType } from '../../../src/rl/index.js';
import { noGrad, tidy } from '../../../src/tensor/index.js';
import { Trainer } from '../../../src/trainers/loop/index.js';
import { ktoAlgorithm, ktoWeightAdvice, runKto } from '../../../src/trainers/kto/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const pref = JSON.parse(readFileSync(join(MODEL, 'golden.json'), 'utf8')).preference;
// TRL's unpair_preference_dataset order: the chosen answers, then the rejected ones.
const examples: UnpairedPreferenceExample[] = [
  ...[0, 1].map((i) => ({ promptIds: pref.prompt_ids[i], completionIds: pref.chosen_ids[i], label: true, truncated: false })),
  ...[0, 1].map((i) => ({ promptIds: pref.prompt_ids[i], completionIds: pref.rejected_ids[i], label: false, truncated: false })),
];
const fx = JSON.parse(readFileSync('test/fixtures/rl/kto.json', 'utf8')).trainer;
const PAD = fx.pad_token_id as number;

interface TrainerCase { loss_type: KtoLossType; beta: number; desirable_weight: number; undesirable_weight: number; loss: number; metrics: Record<string, number> }
const cases = Object.entries(fx.cases) as [string, TrainerCase][];

function perturbed(): PretrainedCausalLm {
  const lm = loadCausalLm(MODEL);
  noGrad(() => lm.loadStateDict(loadSafetensors(join(MODEL, 'policy-perturbed.safetensors'))));
  return lm;
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function algorithmOf(k: TrainerCase, policy: PretrainedCausalLm, reference: PretrainedCausalLm) {
  return ktoAlgorithm(policy, { reference, padTokenId: PAD, beta: k.beta, lossType: k.loss_type, desirableWeight: k.desirable_weight, undesirableWeight: k.undesirable_weight });
}

test('kto: loss, kl and TRL metrics on the golden batch equal TRL 1.13 KTOTrainer within 1e-5', () => {
  assert.equal(cases.length, 3);
  const reference = loadCausalLm(MODEL);
  const worst: Record<string, number> = {};
  for (const [name, k] of cases) {
    const policy = perturbed();
    const algo = algorithmOf(k, policy, reference);
    const r = tidy(() => noGrad(() => {
      const out = algo.loss(examples);
      const averaged = Object.fromEntries(Object.entries(out.metrics ?? {}).map(([m, v]) => [m, v / out.numTokens]));
      return { loss: out.loss.item() / out.numTokens, metrics: algo.summarize?.(averaged, { units: out.numTokens }) ?? averaged, tokens: out.tokens };
    }));
    assert.ok(close(r.loss, k.loss, 1e-5), `${name}: loss ${r.loss} vs TRL ${k.loss}`);
    worst['loss'] = Math.max(worst['loss'] ?? 0, Math.abs(r.loss - k.loss));
    for (const [m, want] of Object.entries(k.metrics)) {
      if (m.startsWith('logits/') || m === 'entropy') continue; // the fused head never makes the logits
      const got = m === 'num_tokens' ? r.tokens : r.metrics[m];
      assert.ok(got !== undefined, `${name}: metric ${m} missing`);
      // A reward is β times a difference of two float32 sums of ~60 nats: both sides agree to
      // 1e-6 of those sums (a few float32 ulps), which β = 2 turns into ~2e-5 of a 0.6 reward.
      const tol = m.startsWith('rewards/') ? 1e-6 * k.beta * Math.abs(k.metrics['logps/rejected'] as number) : 1e-5;
      assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${name}: ${m} ${got} vs TRL ${want}`);
      worst[m] = Math.max(worst[m] ?? 0, Math.abs(got - want) / Math.max(1, Math.abs(want)));
    }
    assert.equal(r.metrics['count/chosen'], 2);
    assert.equal(r.metrics['count/rejected'], 2);
    policy.dispose();
  }
  reference.dispose();
  if (process.env['KTO_REPORT']) console.log('largest relative difference from TRL:', worst);
});

test('kto: the first logged loss of a run is TRL\'s, and the trained parameters change', async () => {
  const [name, k] = cases[0] as [string, TrainerCase];
  const policy = perturbed();
  const before = new Map(policy.namedParameters().map(([n, p]) => [n, JSON.stringify(p.toArray())]));
  const out = mkdtempSync(join(tmpdir(), 'kto-out-'));
  const training = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'kto', output_dir: out, learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, max_steps: 2, per_device_train_batch_size: 4 },
    data: { dataset_path: 'unused.jsonl' },
  }).training;
  // The loop shuffles (epoch 0 walks shuffledIndices(n, seed)); place the examples so that its first
  // micro-batch is TRL's sequential batch, whose order decides the KL pairs.
  const order = shuffledIndices(examples.length, training.seed);
  const train: UnpairedPreferenceExample[] = new Array(examples.length);
  order.forEach((at, j) => (train[at] = examples[j] as UnpairedPreferenceExample));
  await new Trainer(algorithmOf(k, policy, loadCausalLm(MODEL)), { training, train, progress: sink }).train();
  const rows = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined);
  assert.ok(close(rows[0]?.['loss'] as number, k.loss, 1e-5), `${name}: first logged loss ${rows[0]?.['loss']} vs TRL ${k.loss}`);
  assert.ok(close(rows[0]?.['kl'] as number, k.metrics['kl'] as number, 1e-5), `kl ${rows[0]?.['kl']} vs TRL ${k.metrics['kl']}`);
  for (const key of ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'logps/chosen', 'logps/rejected']) {
    assert.ok(close(rows[0]?.[key] as number, k.metrics[key] as number, 1e-5), `${key} ${rows[0]?.[key]} vs TRL ${k.metrics[key]}`);
  }
  const changed = policy.namedParameters().filter(([n, p]) => JSON.stringify(p.toArray()) !== before.get(n)).length;
  assert.equal(changed, policy.namedParameters().length, 'every trainable parameter changed');
  policy.dispose();
});

test('kto: a short run on the sample unpaired data raises the desirable-minus-undesirable reward margin', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kto-data-'));
  const data = writeSampleData(dir, { sft: 10, preference: 24, eval: 4 });
  const out = mkdtempSync(join(tmpdir(), 'kto-run-'));
  const config = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'kto', output_dir: out, learning_rate: 5e-4, logging_steps: 1, save_steps: 1000, eval_steps: 1000, seed: 3, max_steps: 12, per_device_train_batch_size: 4, warmup_steps: 0 },
    data: { max_length: 96, max_prompt_length: 48, datasets: { unpaired_preference: { train_files: [{ path: data['unpaired_preference']?.path }] } } },
    kto: { beta: 0.1 },
  });
  const result = await runKto(config, { progress: sink });
  const rows = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['rewards/margins'] !== undefined);
  const margin = (rs: typeof rows) => rs.reduce((a, r) => a + (r['rewards/margins'] as number), 0) / rs.length;
  const early = margin(rows.slice(0, 3));
  const late = margin(rows.slice(-3));
  if (process.env['KTO_REPORT']) console.log(`rewards/margins: first 3 steps ${early.toFixed(4)}, last 3 steps ${late.toFixed(4)}`);
  assert.ok(late > early + 0.1, `reward margin rose: first steps ${early.toFixed(4)}, last steps ${late.toFixed(4)}`);
  assert.ok(rows.every((r) => (r['kl'] as number) >= 0 && (r['count/chosen'] as number) + (r['count/rejected'] as number) === 4));
  assert.equal(result.globalStep, 12);
});

test('kto: paired preference files train too (unpaired), and apo_zero_unpaired precomputes the reference', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kto-pairs-'));
  const pairs = join(dir, 'pairs.jsonl');
  writeFileSync(pairs, pref.examples.map((e: object) => JSON.stringify(e)).join('\n') + '\n');
  const out = mkdtempSync(join(tmpdir(), 'kto-pairs-out-'));
  const config = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'kto', output_dir: out, learning_rate: 1e-4, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 1, max_steps: 1, per_device_train_batch_size: 4 },
    data: { dataset_path: pairs },
    kto: { loss_type: 'apo_zero_unpaired', beta: 0.5, precompute_ref_log_probs: true },
  });
  await runKto(config, { progress: sink });
  const [row] = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined);
  const k = fx.cases['apo_zero_unpaired_b0.5_w1.0_1.0'] as TrainerCase;
  // The starting model is tiny-qwen2 itself (policy = reference): r = 0, every loss 1 − σ(0) = 0.5.
  assert.ok(close(row?.['loss'] as number, 0.5, 1e-6), `loss ${row?.['loss']}`);
  assert.equal(row?.['kl'], 0);
  assert.equal(row?.['count/chosen'], 2);
  assert.ok(Math.abs(row?.['rewards/chosen'] as number) < 1e-6);
  assert.ok(k.loss !== 0.5, 'the golden case (perturbed policy) differs from this one');
});

test('kto: the config refuses a micro-batch of 1 and precomputed reference log-probs for loss_type kto', () => {
  const base = { model: { name_or_path: MODEL }, data: { dataset_path: 'x.jsonl' } };
  const issues = (extra: Record<string, unknown>) => {
    const r = RunConfig.safeParse({ ...base, ...extra });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.match(issues({ training: { algorithm: 'kto', per_device_train_batch_size: 1 } }).join('\n'), /training.per_device_train_batch_size: kto.loss_type kto estimates the KL reference point .* use 2 or more/);
  assert.match(issues({ training: { algorithm: 'kto', per_device_train_batch_size: 2 }, kto: { precompute_ref_log_probs: true } }).join('\n'), /kto.precompute_ref_log_probs: .*cannot be computed ahead/);
  assert.deepEqual(issues({ training: { algorithm: 'kto', per_device_train_batch_size: 1 }, kto: { loss_type: 'apo_zero_unpaired', precompute_ref_log_probs: true } }), []);
  assert.deepEqual(issues({ training: { algorithm: 'sft', per_device_train_batch_size: 1 }, kto: { precompute_ref_log_probs: true } }), [], 'the kto rules bind kto runs only');
  assert.match(issues({ training: { algorithm: 'kto' }, kto: { loss_type: 'bco' } }).join('\n'), /kto.loss_type/);
  assert.match(issues({ training: { algorithm: 'kto' }, kto: { sync_ref_model: true } }).join('\n'), /sync_ref_model/);
  assert.match(issues({ training: { algorithm: 'kto' }, kto: { desirable_weight: -1 } }).join('\n'), /kto.desirable_weight/);
});

test('kto: TRL\'s label-balance advice (KTO paper eq. 8) for unequal desirable and undesirable counts', () => {
  const labels = [...Array(30).fill(true), ...Array(10).fill(false)];
  assert.equal(ktoWeightAdvice([true, false, true, false], 1, 1), null, 'balanced data');
  // TRL: desirable_weight in [round(10/30, 2), round(10/30·1.33, 2)] = [0.33, 0.44], undesirable_weight in [round(3/1.33, 2), 3] = [2.26, 3].
  assert.match(ktoWeightAdvice(labels, 1, 1) ?? '', /30 desirable and 10 undesirable .* kto.desirable_weight in \[0.33, 0.44\] OR kto.undesirable_weight in \[2.26, 3\]/);
  assert.equal(ktoWeightAdvice(labels, 0.4, 1), null);
  assert.equal(ktoWeightAdvice(labels, 1, 2.5), null);
});

test('kto with lora.enabled: the reference is the base with adapters disabled (r = 0 at the start, then not)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kto-lora-'));
  const data = join(dir, 'pairs.jsonl');
  writeFileSync(data, pref.examples.map((e: object) => JSON.stringify(e)).join('\n') + '\n');
  const out = mkdtempSync(join(tmpdir(), 'kto-lora-out-'));
  const config = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'kto', output_dir: out, learning_rate: 1e-2, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 2, max_steps: 3, per_device_train_batch_size: 4, warmup_steps: 0 },
    data: { dataset_path: data },
    lora: { enabled: true, r: 8 },
    kto: { beta: 1 },
  });
  await runKto(config, { progress: sink });
  const rows = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined);
  // LoRA's B starts at 0: the policy is its base, every log-ratio 0, every loss 1 − σ(0).
  assert.ok(close(rows[0]?.['loss'] as number, 0.5, 1e-6) && rows[0]?.['kl'] === 0, `step 1: ${JSON.stringify(rows[0])}`);
  const last = rows[rows.length - 1] as Record<string, number>;
  assert.ok(Math.abs(last['loss'] as number - 0.5) > 1e-3 && (last['rewards/margins'] as number) > 0, `step 3: the adapters moved the policy from its base: ${JSON.stringify(last)}`);
});
