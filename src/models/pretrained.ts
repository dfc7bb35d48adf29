/**
 * Hugging Face directories in and out: config.json, model.safetensors (or shards with
 * model.safetensors.index.json) and generation_config.json, with transformers' key names.
 *
 * ```ts
 * const lm = fromPretrained('path/to/qwen2', { dtype: 'bfloat16' });
 * savePretrained(lm, 'out/');   // transformers' from_pretrained('out/') loads it unchanged
 * ```
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpointLayout, readCheckpointLayout, saveShardedSafetensors, DEFAULT_MAX_SHARD_BYTES } from '../io/index.js';
import type { Module } from '../nn/module.js';
import { dispose, noGrad, type DType, type Tensor } from '../tensor/index.js';
import { CausalLM } from './causal-lm.js';
import { withEmptyInit } from '../nn/empty-init.js';
import { parseHfConfig, type DecoderConfig } from './config.js';

export interface FromPretrainedOptions {
  /** Parameter dtype after loading (default: float32); the checkpoint is converted while it is read. */
  dtype?: DType;
  /**
   * Parameters that keep the checkpoint's dtype are views of a private (copy-on-write) mapping
   * of its files (default true). `false` reads them into process memory: for checkpoints that
   * may be rewritten in place (not by an atomic rename) while the model lives.
   */
  mmap?: boolean;
}

/** A directory's config.json as JSON, with its path for error messages. */
export function readRawConfig(dir: string): { raw: Record<string, unknown>; path: string } {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new Error(`${path}: not found; a Hugging Face model directory needs config.json`);
  try {
    return { raw: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, path };
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** Reads and checks a Llama-family config.json. */
export function readConfig(dir: string): { config: DecoderConfig; raw: Record<string, unknown> } {
  const { raw, path } = readRawConfig(dir);
  return { config: parseHfConfig(raw, path), raw };
}

/** generation_config.json as written by transformers, or undefined. */
export function readGenerationConfig(dir: string): Record<string, unknown> | undefined {
  const path = join(dir, 'generation_config.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : undefined;
}

/** A causal LM from a Hugging Face directory. */
export function fromPretrained(dir: string, options: FromPretrainedOptions = {}): CausalLM {
  const { config } = readConfig(dir);
  // Every weight comes from the checkpoint (a missing one is an error below), so none is drawn first.
  const lm = withEmptyInit(() => new CausalLM({ ...config, dtype: options.dtype ?? 'float32' }));
  try {
    // Tied checkpoints sometimes still carry lm_head.weight; it equals the embedding.
    loadPretrainedWeights(lm, dir, {
      ignoreUnexpected: (key) => config.tieWordEmbeddings && key === 'lm_head.weight',
      ...(options.mmap === undefined ? {} : { mmap: options.mmap }),
    });
  } catch (err) {
    lm.dispose();
    throw err;
  }
  return lm.eval(); // as transformers: loaded models start in eval mode
}

export interface LoadWeightsOptions {
  /** Keys the module has that the checkpoint may lack (e.g. a new reward head). */
  allowMissing?: (key: string) => boolean;
  /** Checkpoint keys the module does not use (never read). */
  ignoreUnexpected?: (key: string) => boolean;
  /** Map the checkpoint where a parameter keeps its dtype (default true); see FromPretrainedOptions.mmap. */
  mmap?: boolean;
}

/**
 * Loads a checkpoint's tensors into a module's parameters by name; every missing key,
 * unexpected key and shape mismatch is reported at once, naming the checkpoint, before any
 * tensor data is read (the headers give names and shapes). Each parameter's tensor is read in
 * the parameter's dtype (converted while reading) and becomes its storage; keys the module does
 * not use are never read. Returns the keys that were missing and allowed.
 */
export function loadPretrainedWeights(module: Module, dir: string, options: LoadWeightsOptions = {}): string[] {
  const { allowMissing = () => false, ignoreUnexpected = () => false, mmap = true } = options;
  const where = existsSync(join(dir, 'model.safetensors')) ? join(dir, 'model.safetensors') : dir;
  const layout = readCheckpointLayout(dir);
  const own = new Map(module.namedParameters());
  const missing = [...own.keys()].filter((k) => !layout.tensors.has(k));
  const problems: string[] = [];
  const badMissing = missing.filter((k) => !allowMissing(k));
  if (badMissing.length) problems.push(`missing keys: ${badMissing.join(', ')}`);
  const unexpected = [...layout.tensors.keys()].filter((k) => !own.has(k) && !ignoreUnexpected(k));
  if (unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
  for (const [key, p] of own) {
    const info = layout.tensors.get(key);
    if (info && info.shape.join() !== p.shape.join()) {
      problems.push(`'${key}' is [${info.shape}] in the checkpoint but [${p.shape}] by config.json`);
    }
  }
  if (problems.length) throw new Error(`${where}: the checkpoint does not match the model: ${problems.join('; ')}`);

  const names = [...own.keys()].filter((k) => layout.tensors.has(k));
  const dtypeOf = (name: string): DType => (own.get(name) as Tensor).dtype;
  const state = loadCheckpointLayout(layout, { names, dtype: dtypeOf, mmap });
  try {
    noGrad(() => {
      for (const [key, p] of own) {
        const t = state.get(key);
        if (t === undefined) continue;
        // A loaded tensor of the parameter's dtype and device becomes its storage (no second copy,
        // and the parameter's own allocation is freed untouched); one for another device is copied there.
        if (t.dtype === p.dtype && t.device === p.device && t.isContiguous) p.setData_(t);
        else p.copy_(t);
      }
    });
    return missing;
  } finally {
    dispose([...state.values()]);
  }
}

export interface SavePretrainedOptions {
  /** Largest shard; bigger checkpoints are split with an index (transformers' default 5 GB). */
  maxShardBytes?: number;
  /** Written as generation_config.json when given. */
  generationConfig?: Record<string, unknown>;
  /** config.json `architectures` entry (default: the family's *ForCausalLM). */
  architecture?: string;
  /** Extra config.json keys (e.g. num_labels for a reward model). */
  extraConfig?: Record<string, unknown>;
}

/** Writes a directory that transformers' from_pretrained loads unchanged. */
/** A model that can describe itself as a Hugging Face config.json. */
export interface HfSerializable extends Module {
  hfConfig(dtype: DType): Record<string, unknown>;
}

export function savePretrained(model: HfSerializable, dir: string, options: SavePretrainedOptions = {}): void {
  mkdirSync(dir, { recursive: true });
  const params = model.namedParameters();
  const dtype = params[0]?.[1].dtype ?? 'float32';
  const config: Record<string, unknown> = { ...model.hfConfig(dtype), ...options.extraConfig };
  if (options.architecture) config.architectures = [options.architecture];
  writeJsonAtomically(join(dir, 'config.json'), config);
  const tensors = new Map<string, Tensor>(params);
  saveShardedSafetensors(dir, tensors, { maxShardBytes: options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES, metadata: { format: 'pt' } });
  if (options.generationConfig) writeJsonAtomically(join(dir, 'generation_config.json'), options.generationConfig);
}

function writeJsonAtomically(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
