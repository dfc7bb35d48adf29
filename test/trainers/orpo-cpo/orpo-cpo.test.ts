/**
 * ORPO and CPO/SimPO trainers: the first loss and metrics on tiny-qwen2 (perturbed policy, the two
 * golden pairs) against TRL 1.13's ORPOTrainer / CPOTrainer.get_batch_loss_metrics
 * (test/fixtures/rl/orpo_cpo.json, written by make_orpo_cpo_golden.py), the first logged loss of a
 * run, training that lowers the loss, and runOrpo / runCpo from a config.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import type { PreferenceExample } from '../../../src/data/index.js';
import { loadSafetensors } from '../../../src/io/safetensors.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../../src/models/index.js';
import { readMetrics } from '../../../src/monitor/index.js';
import type { CpoLossType } from '../../../src/rl/index.js';
import { noGrad, tidy } from '../../../src/tensor/index.js';
import { Trainer, type Algorithm } from '../../../src/trainers/loop/index.js';
import { cpoAlgorithm, runCpo } from '../../../src/trainers/cpo/index.js';
import { orpoAlgorithm, runOrpo } from '../../../src/trainers/orpo/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const pref = JSON.parse(readFileSync(join(MODEL, 'golden.json'), 'utf8')).preference;
const pairs: PreferenceExample[] = [0, 1].map((i) => ({ promptIds: pref.prompt_ids[i], chosenIds: pref.chosen_ids[i], rejectedIds: pref.rejected_ids[i], truncated: false }));
const fx = JSON.parse(readFileSync('test/fixtures/rl/orpo_cpo.json', 'utf8')).trainer;
const PAD = fx.pad_token_id as number;

interface TrainerCase { algorithm: 'orpo' | 'cpo'; loss_type?: CpoLossType; beta: number; cpo_alpha?: number; simpo_gamma?: number; loss: number; metrics: Record<string, number> }
const cases = Object.entries(fx.cases) as [string, TrainerCase][];

function perturbed(): PretrainedCausalLm {
  const lm = loadCausalLm(MODEL);
  noGrad(() => lm.loadStateDict(loadSafetensors(join(MODEL, 'policy-perturbed.safetensors'))));
  return lm;
}

function algorithmOf(k: TrainerCase, model: PretrainedCausalLm): Algorithm<PreferenceExample> {
  if (k.algorithm === 'orpo') return orpoAlgorithm(model, { padTokenId: PAD, beta: k.beta });
  return cpoAlgorithm(model, { padTokenId: PAD, beta: k.beta, lossType: k.loss_type ?? 'sigmoid', cpoAlpha: k.cpo_alpha ?? 1, simpoGamma: k.simpo_gamma ?? 0.5 });
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('orpo/cpo: loss and TRL metrics on the golden batch equal TRL 1.13 trainers', () => {
  assert.equal(cases.length, 6);
  for (const [name, k] of cases) {
    const model = perturbed();
    const algo = algorithmOf(k, model);
    const r = tidy(() => noGrad(() => {
      const out = algo.loss(pairs);
      const metrics = Object.fromEntries(Object.entries(out.metrics ?? {}).map(([m, v]) => [m, v / out.numTokens]));
      return { loss: out.loss.item() / out.numTokens, metrics };
    }));
    assert.ok(close(r.loss, k.loss, 1e-5), `${name}: loss ${r.loss} vs TRL ${k.loss}`);
    for (const [m, want] of Object.entries(k.metrics)) {
      if (m.startsWith('logits/')) continue; // the fused head never makes the logits
      const got = r.metrics[m];
      assert.ok(got !== undefined, `${name}: metric ${m} missing`);
      assert.ok(close(got, want, 1e-5), `${name}: ${m} ${got} vs TRL ${want}`);
    }
    model.dispose();
  }
});

async function train(k: TrainerCase, steps: number, learningRate: number): Promise<{ rows: Record<string, unknown>[]; before: Map<string, string>; after: Map<string, string> }> {
  const model = perturbed();
  const snapshot = () => new Map(model.namedParameters().map(([n, p]) => [n, JSON.stringify(p.toArray())]));
  const before = snapshot();
  const out = mkdtempSync(join(tmpdir(), `${k.algorithm}-out-`));
  const training = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: k.algorithm, output_dir: out, learning_rate: learningRate, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, max_steps: steps, per_device_train_batch_size: 2 },
    data: { dataset_path: 'unused.jsonl' },
  }).training;
  await new Trainer(algorithmOf(k, model), { training, train: pairs, progress: sink }).train();
  const rows = readMetrics(join(out, 'metrics.jsonl')).filter((r) => r['loss'] !== undefined);
  const after = snapshot();
  model.dispose();
  return { rows, before, after };
}

test('orpo/cpo: the first logged loss of a run equals TRL\'s first loss; training lowers it and changes every parameter', async () => {
  for (const name of ['orpo', 'cpo_simpo_a0.0']) {
    const k = fx.cases[name] as TrainerCase;
    const { rows, before, after } = await train(k, 5, 1e-3);
    assert.equal(rows.length, 5);
    const first = rows[0]!['loss'] as number;
    const last = rows[4]!['loss'] as number;
    assert.ok(close(first, k.loss, 1e-5), `${name}: first logged loss ${first} vs TRL ${k.loss}`);
    assert.ok(last < first, `${name}: loss ${first} -> ${last}`);
    const margin = (r: Record<string, unknown>) => r['rewards/margins'] as number;
    assert.ok(margin(rows[4]!) > margin(rows[0]!), `${name}: margins ${margin(rows[0]!)} -> ${margin(rows[4]!)}`);
    for (const [p, v] of before) assert.notEqual(after.get(p), v, `${name}: ${p} did not change`);
  }
});

test('orpo/cpo: runOrpo and runCpo train from a config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orpo-cpo-data-'));
  const lines = Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Tell me about topic ${i}.`, chosen: 'A clear and helpful answer.', rejected: 'no no no' }));
  writeFileSync(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
  const base = {
    model: { name_or_path: MODEL },
    data: { max_length: 64, max_prompt_length: 32, datasets: { preference: { train_files: [{ path: join(dir, 'train.jsonl') }] } } },
  };
  const training = (algorithm: string) => ({ algorithm, output_dir: mkdtempSync(join(tmpdir(), `${algorithm}-run-`)), learning_rate: 1e-3, logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 7, max_steps: 3, per_device_train_batch_size: 4 });
  const orpo = await runOrpo(RunConfig.parse({ ...base, training: training('orpo'), orpo: { beta: 0.2 } }), { progress: sink });
  assert.equal(orpo.globalStep, 3);
  assert.ok(orpo.losses.get(3)! < orpo.losses.get(1)!, `orpo ${orpo.losses.get(1)} -> ${orpo.losses.get(3)}`);
  const simpo = await runCpo(RunConfig.parse({ ...base, training: training('cpo'), cpo: { loss_type: 'simpo', beta: 2, cpo_alpha: 0, simpo_gamma: 0.5 } }), { progress: sink });
  assert.equal(simpo.globalStep, 3);
  assert.ok(simpo.losses.get(3)! < simpo.losses.get(1)!, `simpo ${simpo.losses.get(1)} -> ${simpo.losses.get(3)}`);
  const lora = await runOrpo(RunConfig.parse({ ...base, training: training('orpo'), lora: { enabled: true, r: 4, alpha: 8 } }), { progress: sink });
  assert.equal(lora.globalStep, 3);
  assert.ok(existsSync(join(lora.outputDir, 'adapter_config.json')), 'orpo with lora saves the adapter');
});

test('cpo: label_smoothing with hinge or ipo is refused at config time', () => {
  const parsed = RunConfig.safeParse({ model: { name_or_path: MODEL }, training: { algorithm: 'cpo' }, data: { dataset_path: 'x.jsonl' }, cpo: { loss_type: 'hinge', label_smoothing: 0.1 } });
  assert.equal(parsed.success, false);
  assert.match(JSON.stringify(parsed.error?.issues), /cpo.label_smoothing \(0.1\) applies to loss_type sigmoid and simpo only, not hinge/);
});
