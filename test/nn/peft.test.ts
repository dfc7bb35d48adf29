/** PEFT adapter folders: exact file contents, a bit-exact round trip, and errors that name the file and key. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLora, loraLayers, loraStateDict, type LoraOptions } from '../../src/nn/lora.js';
import {
  ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, loadLoraAdapter, readLoraAdapterConfig, saveLoraAdapter,
} from '../../src/nn/peft.js';
import { manualSeed, noGrad, zeros, type Tensor } from '../../src/index.js';
import { loadSafetensors, readSafetensorsMetadata, saveSafetensors } from '../../src/io/index.js';
import { scoped } from '../helpers/assert.js';
import { input, snapshot, TinyLm } from './tiny-model.js';

const scratch = mkdtempSync(join(tmpdir(), 'rlhf-peft-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(scratch, `adapter-${dirs++}`);

const CONFIG: LoraOptions = { r: 4, alpha: 8, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] };
const KEYS = [0, 1].flatMap((i) => ['q_proj', 'v_proj'].flatMap((p) => ['A', 'B'].map(
  (ab) => `base_model.model.model.layers.${i}.self_attn.${p}.lora_${ab}.weight`,
)));

/** A model with LoRA applied and random (trained-looking) adapter weights. */
function adapted(config: LoraOptions = CONFIG): TinyLm {
  const m = new TinyLm();
  applyLora(m, config);
  noGrad(() => {
    for (const { adapter } of loraLayers(m)) adapter.loraB.weight.normal_(0, 0.1);
  });
  return m;
}

/** A second model with the same base weights and no adapters. */
function sameBase(m: TinyLm): TinyLm {
  const other = new TinyLm();
  other.loadStateDict(m.stateDict(), { strict: false });
  return other;
}

test('saveLoraAdapter writes PEFT\'s adapter_config.json and keys exactly', scoped(() => {
  manualSeed(5);
  const m = adapted();
  const dir = freshDir();
  saveLoraAdapter(m, dir, CONFIG, { baseModelName: 'Qwen/Qwen2.5-0.5B' });

  assert.deepEqual(JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8')), {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: 4,
    lora_alpha: 8,
    lora_dropout: 0.05,
    target_modules: ['q_proj', 'v_proj'],
    bias: 'none',
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    modules_to_save: null,
    base_model_name_or_path: 'Qwen/Qwen2.5-0.5B',
    inference_mode: true,
    init_lora_weights: true,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
  });
  const header = readSafetensorsMetadata(join(dir, ADAPTER_WEIGHTS_FILE));
  assert.deepEqual(header.metadata, { format: 'pt' });
  assert.deepEqual([...header.tensors.keys()].sort(), [...KEYS].sort());
  for (const [key, info] of header.tensors) {
    assert.equal(info.dtype, 'float32');
    assert.deepEqual(info.shape, key.includes('lora_A') ? [4, 8] : [8, 4], key);
  }
  m.dispose();
}));

test('save then load into a fresh model is bit-exact, and the adapters load frozen unless trainable', scoped(() => {
  manualSeed(6);
  const m = adapted();
  const dir = freshDir();
  saveLoraAdapter(m, dir, CONFIG);
  const other = sameBase(m);
  const config = loadLoraAdapter(other, dir);
  assert.deepEqual(config, { r: 4, alpha: 8, dropout: 0.05, targetModules: ['q_proj', 'v_proj'], useRslora: false });

  const mine = loraStateDict(m);
  const theirs = loraStateDict(other);
  assert.deepEqual([...theirs.keys()], [...mine.keys()]);
  for (const [k, t] of mine) assert.ok(t.equal(theirs.get(k) as Tensor), k);
  m.eval();
  other.eval();
  const x = input();
  assert.ok(other.forward(x).equal(m.forward(x)));
  assert.equal(other.trainableParameters().length, 0, 'PEFT loads adapters for inference by default');

  const trainable = sameBase(m);
  loadLoraAdapter(trainable, dir, { trainable: true });
  assert.deepEqual(trainable.trainableParameters(), [...loraStateDict(trainable).values()]);
  for (const mod of [m, other, trainable]) mod.dispose();
}));

test('\'all-linear\' is saved as the list of layer names PEFT would write, and loads back onto the same layers', scoped(() => {
  const config = { r: 2, alpha: 4, targetModules: 'all-linear' };
  const m = adapted(config);
  const dir = freshDir();
  saveLoraAdapter(m, dir, config);
  const json = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8')) as { target_modules: string[] };
  assert.deepEqual(json.target_modules, ['down_proj', 'q_proj', 'up_proj', 'v_proj']);
  const other = sameBase(m);
  loadLoraAdapter(other, dir);
  assert.deepEqual(loraLayers(other).map((l) => l.name), loraLayers(m).map((l) => l.name));
  assert.ok(!loraLayers(other).some((l) => l.name === 'lm_head'));
  m.dispose();
  other.dispose();
}));

test('a config written by PEFT 0.13, with its extra fields and a regex target, loads', () => {
  const dir = freshDir();
  const peftJson = {
    alpha_pattern: {}, auto_mapping: null, base_model_name_or_path: 'Qwen/Qwen2.5-0.5B', bias: 'none', fan_in_fan_out: false,
    inference_mode: true, init_lora_weights: true, layer_replication: null, layers_pattern: null, layers_to_transform: null,
    loftq_config: {}, lora_alpha: 32, lora_dropout: 0.1, megatron_config: null, megatron_core: 'megatron.core',
    modules_to_save: null, peft_type: 'LORA', r: 16, rank_pattern: {}, revision: null,
    target_modules: String.raw`.*\.(q_proj|v_proj)`, task_type: 'CAUSAL_LM', use_dora: false, use_rslora: true,
  };
  writeJson(dir, peftJson);
  assert.deepEqual(readLoraAdapterConfig(dir), {
    r: 16, alpha: 32, dropout: 0.1, targetModules: String.raw`.*\.(q_proj|v_proj)`, useRslora: true,
  });
});

test('PEFT features that are not implemented are refused, naming the file and field', () => {
  const dir = freshDir();
  const base = { peft_type: 'LORA', r: 8, lora_alpha: 16, target_modules: ['q_proj'] };
  const file = join(dir, ADAPTER_CONFIG_FILE);
  const cases: [Record<string, unknown>, string][] = [
    [{ peft_type: 'IA3' }, `peft_type ("IA3") is not supported; only 'LORA' is`],
    [{ bias: 'all' }, `bias ("all") is not supported; only 'none' is`],
    [{ use_dora: true }, 'use_dora (true) is not supported'],
    [{ modules_to_save: ['lm_head'] }, `modules_to_save (["lm_head"]) is not supported; it must be null or empty`],
    [{ layers_to_transform: [0] }, 'layers_to_transform ([0]) is not supported; it must be null or empty'],
    [{ target_modules: null }, "target_modules (null) must be a list of names or a regex (PEFT's per-architecture defaults are not known here)"],
    [{ r: 0 }, 'LoRA: r (0) must be a positive integer'],
  ];
  for (const [patch, message] of cases) {
    writeJson(dir, { ...base, ...patch });
    assert.throws(() => readLoraAdapterConfig(dir), { message: `loadLoraAdapter: ${file}: ${message}` });
  }
});

test('loadLoraAdapter lists missing keys, unexpected keys and shape mismatches, and leaves the model as it was', scoped(() => {
  manualSeed(7);
  const m = adapted();
  const dir = freshDir();
  saveLoraAdapter(m, dir, CONFIG);
  const file = join(dir, ADAPTER_WEIGHTS_FILE);
  const tensors = loadSafetensors(file);
  tensors.delete(KEYS[0]!);
  tensors.set('base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight', zeros([4, 8]));
  tensors.set(KEYS[3]!, zeros([8, 2]));
  saveSafetensors(file, tensors, { format: 'pt' });

  const other = sameBase(m);
  const before = snapshot(other);
  assert.throws(() => loadLoraAdapter(other, dir), {
    message: `loadLoraAdapter: ${file} does not fit the model:\n`
      + `  missing keys (1): ${KEYS[0]}\n`
      + '  unexpected keys (1): base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight\n'
      + `  shape mismatches (1): ${KEYS[3]}: file [8, 2], model [8, 4]`,
  });
  assert.equal(loraLayers(other).length, 0);
  assert.deepEqual([...other.stateDict().keys()], [...before.keys()]);
  assert.equal(other.trainableParameters().length, other.parameters().length, 'requiresGrad restored');
  for (const [k, t] of other.stateDict()) assert.ok(t.equal(before.get(k) as Tensor), k);
  m.dispose();
  other.dispose();
}));

test('saveLoraAdapter refuses a config that does not describe the adapters', scoped(() => {
  const m = adapted();
  assert.throws(() => saveLoraAdapter(m, freshDir(), { ...CONFIG, targetModules: ['q_proj'] }),
    /targetModules \["q_proj"\] picks \[model\.layers\.0\.self_attn\.q_proj, model\.layers\.1\.self_attn\.q_proj\] but the adapters are on/);
  assert.throws(() => saveLoraAdapter(m, freshDir(), { ...CONFIG, r: 8 }), /has r 4, alpha 8, dropout 0\.05, useRslora false; the config says r 8/);
  const plain = new TinyLm();
  assert.throws(() => saveLoraAdapter(plain, freshDir(), CONFIG), /the model has no LoRA adapters; call applyLora first/);
  m.dispose();
  plain.dispose();
}));

/** Replaces dir with a folder holding only adapter_config.json = value. */
function writeJson(dir: string, value: unknown): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ADAPTER_CONFIG_FILE), JSON.stringify(value));
}
