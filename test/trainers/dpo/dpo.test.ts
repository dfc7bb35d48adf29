import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { collatePreferenceRows, type PreferenceExample } from '../../../src/data/index.js';
import { loadSafetensors } from '../../../src/io/safetensors.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../../src/models/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import { noGrad, tidy } from '../../../src/tensor/index.js';
import { Trainer } from '../../../src/trainers/loop/index.js';
import { dpoAlgorithm, runDpo } from '../../../src/trainers/dpo/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const golden = JSON.parse(readFileSync(join(MODEL, 'golden.json'), 'utf8'));
const pref = golden.preference;
const goldenPairs: PreferenceExample[] = [0, 1].map((i) => ({
  promptIds: pref.prompt_ids[i], chosenIds: pref.chosen_ids[i], rejectedIds: pref.rejected_ids[i], truncated: false,
}));

function perturbed(): PretrainedCausalLm {
  const lm = loadCausalLm(MODEL);
  noGrad(() => lm.loadStateDict(loadSafetensors(join(MODEL, 'policy-perturbed.safetensors'))));
  return lm;
}

/** Runs the algorithm's loss once without grad; returns loss / numTokens and the metrics per pair. */
function evalLoss(policy: PretrainedCausalLm, reference: PretrainedCausalLm, lossType = 'sigmoid') {
  policy.eval();
  const algo = dpoAlgorithm(policy, { reference, padTokenId: 3, beta: golden.dpo.beta, lossType });
  return tidy(() => noGrad(() => {
    const out = algo.loss(goldenPairs);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(out.metrics ?? {})) metrics[k] = v / out.numTokens;
    return { loss: out.loss.item() / out.numTokens, numTokens: out.numTokens, metrics };
  }));
}

test('dpo: the golden batch layout matches collatePreference', () => {
  const rows = collatePreferenceRows(goldenPairs, { padTokenId: 3 });
  assert.deepEqual(rows.inputIds, pref.input_ids);
  assert.deepEqual(rows.completionMask, pref.completion_mask);
});

test('dpo: loss and log-probs on the golden batch equal TRL (policy = perturbed, reference = initial)', () => {
  const r = evalLoss(perturbed(), loadCausalLm(MODEL));
  const cases = golden.dpo.cases.policy_perturbed;
  assert.equal(r.numTokens, 2);
  assert.ok(Math.abs(r.loss - cases.sigmoid.loss_trl) < 1e-5, `sigmoid ${r.loss} vs ${cases.sigmoid.loss_trl}`);
  const lp = pref.logps.policy_perturbed;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(r.metrics['logps/chosen']! - mean(lp.chosen_logps)) < 1e-3, `chosen ${r.metrics['logps/chosen']}`);
  assert.ok(Math.abs(r.metrics['logps/rejected']! - mean(lp.rejected_logps)) < 1e-3, `rejected ${r.metrics['logps/rejected']}`);
  assert.ok(Math.abs(r.metrics['rewards/chosen']! - mean(cases.sigmoid.chosen_rewards)) < 1e-4);
  assert.ok(Math.abs(r.metrics['rewards/rejected']! - mean(cases.sigmoid.rejected_rewards)) < 1e-4);
  for (const type of ['hinge', 'ipo'] as const) {
    const x = evalLoss(perturbed(), loadCausalLm(MODEL), type);
    const want = cases[type].loss_trl as number;
    assert.ok(Math.abs(x.loss - want) < 1e-4 * Math.max(1, Math.abs(want)), `${type} ${x.loss} vs ${want}`);
  }
});

test('dpo: policy == reference gives ln 2 for sigmoid', () => {
  const r = evalLoss(loadCausalLm(MODEL), loadCausalLm(MODEL));
  assert.ok(Math.abs(r.loss - Math.LN2) < 1e-6, `${r.loss}`);
  assert.equal(r.metrics['rewards/margins'], 0);
});

test('dpo: training raises the margins, changes every parameter, and leaves the reference bit-identical', async () => {
  const policy = loadCausalLm(MODEL);
  const reference = loadCausalLm(MODEL);
  const snapshot = (m: PretrainedCausalLm) => new Map(m.namedParameters().map(([k, p]) => [k, JSON.stringify(p.toArray())]));
  const policyBefore = snapshot(policy);
  const refBefore = snapshot(reference);
  const algo = dpoAlgorithm(policy, { reference, padTokenId: 3, beta: 0.1 });
  const out = mkdtempSync(join(tmpdir(), 'dpo-out-'));
  const train = [...goldenPairs, ...goldenPairs];
  const training = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'dpo', output_dir: out, learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, warmup_steps: 0, max_steps: 6, per_device_train_batch_size: 2, gradient_accumulation_steps: 2 },
    data: { dataset_path: 'unused.jsonl' },
  }).training;
  await new Trainer(algo, { training, train, progress: sink }).train();
  const rows = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined);
  assert.equal(rows.length, 6);
  const first = rows[0]!;
  const last = rows[5]!;
  assert.ok(Math.abs((first['loss'] as number) - Math.LN2) < 1e-5, `first loss ${first['loss']}`);
  assert.ok((last['loss'] as number) < (first['loss'] as number), `loss ${first['loss']} -> ${last['loss']}`);
  const margin = (r: Record<string, unknown>) => r['rewards/margins'] as number;
  assert.ok(margin(last) > margin(first), `margins ${margin(first)} -> ${margin(last)}`);
  assert.ok((last['rewards/accuracies'] as number) >= (first['rewards/accuracies'] as number));
  const policyAfter = snapshot(policy);
  for (const [k, v] of policyBefore) assert.notEqual(policyAfter.get(k), v, `${k} did not change`);
  const refAfter = snapshot(reference);
  for (const [k, v] of refBefore) assert.equal(refAfter.get(k), v, `reference ${k} changed`);
  assert.equal(reference.trainableParameters().length, 0);
});

test('dpo: runDpo trains from a config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpo-data-'));
  const rows = Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Tell me about topic ${i}.`, chosen: 'A clear and helpful answer.', rejected: 'no no no' }));
  writeFileSync(join(dir, 'train.jsonl'), `${rows.join('\n')}\n`);
  const config = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'dpo', output_dir: mkdtempSync(join(tmpdir(), 'dpo-run-')), learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, warmup_steps: 0, max_steps: 3, per_device_train_batch_size: 4 },
    data: { max_length: 64, max_prompt_length: 32, datasets: { preference: { train_files: [{ path: join(dir, 'train.jsonl') }] } } },
    dpo: { beta: 0.1, loss_type: 'sigmoid' },
  });
  const r = await runDpo(config, { progress: sink });
  assert.equal(r.globalStep, 3);
  const first = r.losses.get(1)!;
  assert.ok(Math.abs(first - Math.LN2) < 1e-5, `${first}`);
  assert.ok(r.losses.get(3)! < first);
});
