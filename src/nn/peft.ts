/**
 * LoRA adapters in Hugging Face PEFT's on-disk format: a folder with `adapter_config.json`
 * (PEFT's LoraConfig) and `adapter_model.safetensors`, whose keys are
 * `base_model.model.<layer>.lora_A.weight` / `.lora_B.weight` (PeftModel wraps LoraModel,
 * which wraps the model; the adapter name 'default' is not part of saved keys). Adapters
 * trained here load with `PeftModel.from_pretrained`, and PEFT adapters load here.
 *
 * ```ts
 * const config = { r: 16, alpha: 32, targetModules: ['q_proj', 'v_proj'] };
 * applyLora(model, config);
 * // ... train ...
 * saveLoraAdapter(model, 'out/adapter', config, { baseModelName: 'Qwen/Qwen2.5-0.5B' });
 * loadLoraAdapter(freshModel, 'out/adapter');
 * ```
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyLora, expandTargetModules, findLoraTargets, loraConfig, loraLayers, loraStateDict, removeLora,
  type LoraConfig, type LoraOptions, type LoraTargetModules,
} from './lora.js';
import { Conv1D } from './layers.js';
import type { Module } from './module.js';
import { loadSafetensors, readSafetensorsMetadata, saveSafetensors } from '../io/safetensors.js';
import { noGrad } from '../tensor/autograd.js';
import { tidy } from '../tensor/scope.js';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** PEFT's key prefix: PeftModel.base_model (LoraModel) .model (the wrapped model). */
export const PEFT_KEY_PREFIX = 'base_model.model.';

/** The adapter_config.json PEFT writes for a plain LoRA on a causal LM. */
export interface PeftLoraConfigJson {
  peft_type: 'LORA';
  task_type: 'CAUSAL_LM';
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: string[] | string;
  bias: 'none';
  /** True when the adapted layers store their weight (in, out): GPT-2's Conv1D. */
  fan_in_fan_out: boolean;
  use_rslora: boolean;
  use_dora: false;
  modules_to_save: null;
  base_model_name_or_path: string | null;
  inference_mode: true;
  init_lora_weights: true;
  layers_to_transform: null;
  layers_pattern: null;
  rank_pattern: Record<string, never>;
  alpha_pattern: Record<string, never>;
}

/** PEFT's adapter_config.json for `config` on `model` ('all-linear' written out as PEFT does). */
export function peftAdapterConfig(model: Module, config: LoraOptions, baseModelName: string | null = null): PeftLoraConfigJson {
  const c = loraConfig(config);
  const targets = expandTargetModules(model, c.targetModules);
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: c.r,
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    target_modules: typeof targets === 'string' ? targets : [...targets],
    bias: 'none',
    // PEFT sets it for Conv1D targets (and corrects a config that says otherwise, as loading here ignores it).
    fan_in_fan_out: findLoraTargets(model, c.targetModules).some((name) => model.getSubmodule(name) instanceof Conv1D),
    use_rslora: c.useRslora,
    use_dora: false,
    modules_to_save: null,
    base_model_name_or_path: baseModelName,
    inference_mode: true,
    init_lora_weights: true,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
}

/**
 * Writes the model's LoRA adapters to `dir` (created if needed) as PEFT does. `config` must be
 * the one the adapters were applied with: it is checked against them, since it is what a
 * reader will rebuild them from.
 */
export function saveLoraAdapter(model: Module, dir: string, config: LoraOptions, options: { baseModelName?: string } = {}): void {
  const c = loraConfig(config);
  checkConfigMatches(model, c);
  const json = peftAdapterConfig(model, c, options.baseModelName ?? null);
  const tensors = new Map([...loraStateDict(model)].map(([name, t]) => [PEFT_KEY_PREFIX + name, t]));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ADAPTER_CONFIG_FILE), `${JSON.stringify(json, null, 2)}\n`);
  saveSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), tensors, { format: 'pt' });
}

/**
 * Applies the LoRA described by `dir/adapter_config.json` to `model` and loads the adapter
 * weights. As PEFT's `from_pretrained`, the adapters are frozen unless `trainable` is true
 * (set it to keep training them, e.g. DPO on top of an SFT adapter). On any error the model is
 * left as it was. Returns the config.
 */
export function loadLoraAdapter(model: Module, dir: string, options: { trainable?: boolean } = {}): LoraConfig {
  const config = readLoraAdapterConfig(dir);
  const file = join(dir, ADAPTER_WEIGHTS_FILE);
  const header = readSafetensorsMetadata(file);
  const wasTrainable = model.parameters().map((p) => [p, p.requiresGrad] as const);
  applyLora(model, config);
  try {
    const own = new Map([...loraStateDict(model)].map(([name, t]) => [PEFT_KEY_PREFIX + name, t]));
    const problems = keyProblems([...own].map(([k, t]) => [k, t.shape]), [...header.tensors].map(([k, i]) => [k, i.shape]));
    if (problems.length) throw new Error(`loadLoraAdapter: ${file} does not fit the model:\n  ${problems.join('\n  ')}`);
    tidy(() => {
      const loaded = loadSafetensors(file);
      noGrad(() => {
        for (const [key, t] of own) {
          const src = loaded.get(key);
          if (src !== undefined) t.copy_(src); // keyProblems() found every key present
        }
      });
    });
  } catch (err) {
    removeLora(model);
    for (const [p, flag] of wasTrainable) p.requiresGrad_(flag);
    throw err;
  }
  if (!options.trainable) model.freeze();
  return config;
}

/** Reads and checks `dir/adapter_config.json`, refusing PEFT features rlhf-ts does not implement. */
export function readLoraAdapterConfig(dir: string): LoraConfig {
  const file = join(dir, ADAPTER_CONFIG_FILE);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`loadLoraAdapter: cannot read ${file}: ${(err as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new Error(`loadLoraAdapter: ${file}: ${what}`);
  };
  const field = (key: string): string => `${key} (${JSON.stringify(json[key])})`;
  const isEmpty = (v: unknown): boolean =>
    v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v).length === 0);

  if (json.peft_type !== 'LORA') fail(`${field('peft_type')} is not supported; only 'LORA' is`);
  if (typeof json.r !== 'number') fail(`${field('r')} must be a number`);
  if (typeof json.lora_alpha !== 'number') fail(`${field('lora_alpha')} must be a number`);
  if (json.lora_dropout !== undefined && typeof json.lora_dropout !== 'number') fail(`${field('lora_dropout')} must be a number`);
  const targets = json.target_modules;
  const isList = Array.isArray(targets) && targets.every((t) => typeof t === 'string');
  if (!isList && typeof targets !== 'string') {
    fail(`${field('target_modules')} must be a list of names or a regex (PEFT's per-architecture defaults are not known here)`);
  }
  if ((json.bias ?? 'none') !== 'none') fail(`${field('bias')} is not supported; only 'none' is`);
  if (json.use_dora === true) fail(`use_dora (true) is not supported`);
  for (const key of ['modules_to_save', 'layers_to_transform', 'layers_pattern', 'rank_pattern', 'alpha_pattern', 'exclude_modules']) {
    if (!isEmpty(json[key])) fail(`${field(key)} is not supported; it must be null or empty`);
  }
  try {
    return loraConfig({
      r: json.r as number,
      alpha: json.lora_alpha as number,
      dropout: (json.lora_dropout as number | undefined) ?? 0,
      targetModules: targets as LoraTargetModules,
      useRslora: json.use_rslora === true,
    });
  } catch (err) {
    return fail((err as Error).message);
  }
}

/** Throws unless the model's adapters are exactly what `config` would apply. */
function checkConfigMatches(model: Module, config: LoraConfig): void {
  const layers = loraLayers(model);
  if (layers.length === 0) throw new Error('saveLoraAdapter: the model has no LoRA adapters; call applyLora first');
  const want = findLoraTargets(model, config.targetModules);
  const have = layers.map((l) => l.name);
  if (want.join() !== have.join()) {
    throw new Error(`saveLoraAdapter: targetModules ${JSON.stringify(config.targetModules)} picks [${want.join(', ')}] but the adapters are on [${have.join(', ')}]`);
  }
  for (const { name, adapter } of layers) {
    const a = adapter.config;
    if (a.r !== config.r || a.alpha !== config.alpha || a.dropout !== config.dropout || a.useRslora !== config.useRslora) {
      throw new Error(`saveLoraAdapter: the adapter on ${name} has r ${a.r}, alpha ${a.alpha}, dropout ${a.dropout}, useRslora ${a.useRslora}; the config says r ${config.r}, alpha ${config.alpha}, dropout ${config.dropout}, useRslora ${config.useRslora}`);
    }
  }
}

/** Missing keys, unexpected keys and shape mismatches between what the model expects and a file holds. */
function keyProblems(expected: [string, readonly number[]][], found: [string, readonly number[]][]): string[] {
  const inFile = new Map(found);
  const inModel = new Map(expected);
  const missing = expected.filter(([k]) => !inFile.has(k)).map(([k]) => k);
  const unexpected = found.filter(([k]) => !inModel.has(k)).map(([k]) => k);
  const mismatched = expected.flatMap(([k, shape]) => {
    const got = inFile.get(k);
    return got !== undefined && got.join() !== shape.join() ? [`${k}: file [${got.join(', ')}], model [${shape.join(', ')}]`] : [];
  });
  const out: string[] = [];
  if (missing.length) out.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
  if (unexpected.length) out.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
  if (mismatched.length) out.push(`shape mismatches (${mismatched.length}): ${mismatched.join('; ')}`);
  return out;
}
