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
import { applyLora, loraLayers } from '../../../src/nn/index.js';
import { noGrad, tidy } from '../../../src/tensor/index.js';
import { dpoAlgorithm, precomputeReferenceLogps, runDpo } from '../../../src/trainers/dpo/index.js';
import type { ReferencePolicy } from '../../../src/trainers/loop/reference.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };
const golden = JSON.parse(readFileSync(join(MODEL, 'golden.json'), 'utf8'));
const pref = golden.preference;
const pairs = (): PreferenceExample[] => [0, 1].map((i) => ({
  promptIds: pref.prompt_ids[i], chosenIds: pref.chosen_ids[i], rejectedIds: pref.rejected_ids[i], truncated: false,
}));

function perturbed(): PretrainedCausalLm {
  const lm = loadCausalLm(MODEL);
  noGrad(() => lm.loadStateDict(loadSafetensors(join(MODEL, 'policy-perturbed.safetensors'))));
  return lm.eval();
}

function lossOf(policy: PretrainedCausalLm, reference: ReferencePolicy, examples: PreferenceExample[], lossType: string | string[] = 'sigmoid', lossWeights: number[] | null = null) {
  const algo = dpoAlgorithm(policy, { reference, padTokenId: 3, beta: golden.dpo.beta, lossType, lossWeights });
  return tidy(() => noGrad(() => {
    const out = algo.loss(examples);
    return { loss: out.loss.item() / out.numTokens, chosen: (out.metrics?.['logps/chosen'] ?? NaN) / out.numTokens };
  }));
}

test('dpo: precomputed reference log-probs give the golden TRL loss with no reference model', () => {
  const examples = pairs();
  precomputeReferenceLogps(loadCausalLm(MODEL), examples, 3);
  assert.ok(examples.every((e) => Number.isFinite(e.refChosenLogps) && Number.isFinite(e.refRejectedLogps)));
  const live = lossOf(perturbed(), loadCausalLm(MODEL), pairs());
  const pre = lossOf(perturbed(), 'precomputed', examples);
  assert.ok(Math.abs(pre.loss - live.loss) < 1e-6, `${pre.loss} vs ${live.loss}`);
  const want = golden.dpo.cases.policy_perturbed.sigmoid.loss_trl as number;
  assert.ok(Math.abs(pre.loss - want) < 1e-4, `${pre.loss} vs TRL ${want}`);
  assert.throws(() => lossOf(perturbed(), 'precomputed', pairs()), /no precomputed reference log-probs/);
});

test('dpo: a LoRA policy with adapters disabled is its own reference (loss ln 2 until B moves)', () => {
  const policy = loadCausalLm(MODEL).eval();
  applyLora(policy, { targetModules: 'all-linear', r: 4, alpha: 8 });
  // Fresh adapters have B = 0: policy and base agree, so the sigmoid loss is exactly ln 2.
  assert.ok(Math.abs(lossOf(policy, 'adapters-disabled', pairs()).loss - Math.LN2) < 1e-6);
  // Move the adapters: the reference is still the base model, equal to a separately loaded copy.
  noGrad(() => { for (const l of loraLayers(policy)) l.adapter.loraB.weight.normal_(0, 0.02); });
  const viaAdapters = lossOf(policy, 'adapters-disabled', pairs());
  const viaCopy = lossOf(policy, loadCausalLm(MODEL), pairs());
  assert.ok(Math.abs(viaAdapters.loss - viaCopy.loss) < 1e-6, `${viaAdapters.loss} vs ${viaCopy.loss}`);
  assert.notEqual(viaAdapters.loss.toFixed(6), Math.LN2.toFixed(6));
});

test('dpo: combined loss types are the weighted sum of each, and sft is the per-token NLL of the chosen answer', () => {
  const policy = perturbed();
  const sig = lossOf(policy, loadCausalLm(MODEL), pairs(), 'sigmoid').loss;
  const sft = lossOf(policy, loadCausalLm(MODEL), pairs(), 'sft').loss;
  const both = lossOf(policy, loadCausalLm(MODEL), pairs(), ['sigmoid', 'sft'], [1, 0.5]).loss;
  assert.ok(Math.abs(both - (sig + 0.5 * sft)) < 1e-6, `${both} vs ${sig} + 0.5 x ${sft}`);
  const lengths = [0, 1].map((i) => pref.chosen_ids[i].length as number);
  const chosenLogps = golden.preference.logps.policy_perturbed.chosen_logps as number[];
  const expected = -(chosenLogps[0]! / lengths[0]! + chosenLogps[1]! / lengths[1]!) / 2;
  assert.ok(Math.abs(sft - expected) < 1e-4, `${sft} vs ${expected}`);
});

test('dpo: runDpo with lora.enabled and precompute_ref_log_probs writes PEFT adapters and trains', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpo-lora-data-'));
  const rows = Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Tell me about topic ${i}.`, chosen: 'A clear and helpful answer.', rejected: 'no no no' }));
  writeFileSync(join(dir, 'train.jsonl'), `${rows.join('\n')}\n`);
  const config = RunConfig.parse({
    model: { name_or_path: MODEL },
    lora: { enabled: true, r: 4, alpha: 8 },
    dpo: { precompute_ref_log_probs: true, loss_type: ['sigmoid', 'sft'], loss_weights: [1, 0.1] },
    training: { algorithm: 'dpo', output_dir: mkdtempSync(join(tmpdir(), 'dpo-lora-')), learning_rate: 5e-3, logging_steps: 1, save_steps: 2, seed: 7, max_steps: 4, per_device_train_batch_size: 4 },
    data: { max_length: 64, max_prompt_length: 32, datasets: { preference: { train_files: [{ path: join(dir, 'train.jsonl') }] } } },
  });
  const r = await runDpo(config, { progress: sink });
  const out = config.training.output_dir;
  for (const d of [out, join(out, 'checkpoint-2'), join(out, 'checkpoint-4')]) {
    assert.ok(existsSync(join(d, 'adapter_model.safetensors')) && existsSync(join(d, 'adapter_config.json')), d);
    assert.ok(!existsSync(join(d, 'model.safetensors')), `${d} holds a full model`);
  }
  const rows2 = readMetrics(join(out, 'metrics.jsonl')).filter((row) => row['loss'] !== undefined);
  // Fresh adapters: policy = reference, up to float rounding (the reference pass batched the pairs differently).
  assert.ok(Math.abs(rows2[0]?.['rewards/margins'] as number) < 1e-6);
  assert.ok((rows2.at(-1)?.['rewards/margins'] as number) > 0);
  // Resume from the step-2 adapter checkpoint logs the same step 3-4 losses.
  const resumed = await runDpo({ ...config, training: { ...config.training, output_dir: out } }, { progress: sink, resume: join(out, 'checkpoint-2') });
  for (const step of [3, 4]) assert.ok(Math.abs((resumed.losses.get(step) as number) - (r.losses.get(step) as number)) < 1e-6, `step ${step}`);
});
