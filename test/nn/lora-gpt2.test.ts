/**
 * LoRA on GPT-2's Conv1D projections (PEFT's fan_in_fan_out) against PEFT 0.21: an adapter
 * PEFT saved (test/fixtures/lora/make_gpt2_lora_fixture.py) loads onto the tiny GPT-2 fixture
 * and gives PEFT's logits, loss and adapter gradient; merging gives merge_and_unload's logits;
 * saving writes fan_in_fan_out: true and PEFT's keys, and loads back bit-exact.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { F, tensor, tidy, type Tensor } from '../../src/index.js';
import { Gpt2LMHeadModel, loadCausalLm } from '../../src/models/index.js';
import { applyLora, Conv1D, findLoraTargets, loadLoraAdapter, loraLayers, mergeLora, saveLoraAdapter, unmergeLora } from '../../src/nn/index.js';
import { loadSafetensors } from '../../src/io/index.js';
import { assertClose, scoped } from '../helpers/assert.js';

const FIXTURES = 'test/fixtures';
const ADAPTER = `${FIXTURES}/lora/tiny-gpt2-lora`;
interface Golden { input_ids: number[][]; logits_shape: number[]; logits: number[]; loss: number; grad_name: string; grad: number[]; merged_logits: number[] }
const golden = JSON.parse(readFileSync(`${FIXTURES}/lora/gpt2-lora-golden.json`, 'utf8')) as Golden;

function adaptedGpt2(): Gpt2LMHeadModel {
  const lm = loadCausalLm(`${FIXTURES}/models/tiny-gpt2`) as Gpt2LMHeadModel;
  lm.eval();
  loadLoraAdapter(lm, ADAPTER, { trainable: true });
  return lm;
}

/** The causal LM loss as transformers computes it with labels = input ids. */
function lossOf(logits: Tensor, ids: Tensor): Tensor {
  const [, T, V] = logits.shape as [number, number, number];
  return F.crossEntropy(logits.slice(1, 0, T - 1).reshape(-1, V), ids.slice(1, 1).reshape(-1), { reduction: 'mean' });
}

test('a PEFT adapter on GPT-2 Conv1D layers loads and gives PEFT\'s logits, loss and adapter gradient', scoped(() => {
  const lm = adaptedGpt2();
  assert.deepEqual(findLoraTargets(lm, ['c_attn', 'c_proj', 'c_fc']).length, 8); // 2 layers x (c_attn, attn.c_proj, c_fc, mlp.c_proj)
  assert.ok(loraLayers(lm).every((l) => l.layer instanceof Conv1D));
  const ids = tensor(golden.input_ids, { dtype: 'int64' });
  const { logits } = lm.forward({ inputIds: ids });
  assertClose(logits.reshape(-1), golden.logits, { atol: 2e-5 });
  const loss = lossOf(logits, ids);
  assert.ok(Math.abs(loss.item() - golden.loss) < 1e-5, `loss ${loss.item()} vs PEFT ${golden.loss}`);
  loss.backward();
  const param = lm.namedParameters().find(([n]) => n === golden.grad_name)?.[1] as Tensor;
  assertClose((param.grad as Tensor).reshape(-1), golden.grad, { atol: 1e-6 });
  lm.dispose();
}));

test('mergeLora on Conv1D layers gives PEFT merge_and_unload\'s logits, and unmerge restores the base', scoped(() => {
  const lm = adaptedGpt2();
  const ids = tensor(golden.input_ids, { dtype: 'int64' });
  const before = tidy(() => (lm.transformer.h.items[0] as (typeof lm.transformer.h.items)[number]).attn.cAttn.weight.clone());
  mergeLora(lm);
  assertClose(lm.forward({ inputIds: ids }).logits.reshape(-1), golden.merged_logits, { atol: 2e-5 });
  unmergeLora(lm);
  assert.ok((lm.transformer.h.items[0] as (typeof lm.transformer.h.items)[number]).attn.cAttn.weight.sub(before).abs().max().item() < 1e-6);
  lm.dispose();
}));

test('saveLoraAdapter on GPT-2 writes fan_in_fan_out: true and PEFT\'s keys and shapes, and loads back bit-exact', scoped(() => {
  const lm = adaptedGpt2();
  const dir = mkdtempSync(join(tmpdir(), 'gpt2-lora-'));
  saveLoraAdapter(lm, dir, { r: 4, alpha: 8, targetModules: ['c_attn', 'c_proj', 'c_fc'] });
  const json = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(json['fan_in_fan_out'], true);
  const ours = loadSafetensors(join(dir, 'adapter_model.safetensors'));
  const peft = loadSafetensors(join(ADAPTER, 'adapter_model.safetensors'));
  assert.deepEqual([...ours.keys()].sort(), [...peft.keys()].sort());
  for (const [k, t] of peft) assert.equal((ours.get(k) as Tensor).sub(t).abs().max().item(), 0, k);
  const fresh = loadCausalLm(`${FIXTURES}/models/tiny-gpt2`);
  applyLora(fresh, { r: 4, alpha: 8, targetModules: 'all-linear' });
  assert.deepEqual(loraLayers(fresh).map((l) => l.name.split('.').slice(-2).join('.')).slice(0, 4), ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj']);
  lm.dispose();
  fresh.dispose();
}));
