/**
 * Picks the model class from config.json's model_type, like transformers' AutoModelForCausalLM.
 *
 * ```ts
 * const lm = loadCausalLm('path/to/model');                                  // llama, qwen2, mistral or gpt2
 * const fresh = loadCausalLm('examples/models/arith-tiny', { fromScratch: true, seed: 42 }); // config.json only
 * ```
 */
import { manualSeed } from '../tensor/index.js';
import { ENCODER_TYPES } from './bert/config.js';
import { CausalLM } from './causal-lm.js';
import { MODEL_TYPES, parseHfConfig } from './config.js';
import { parseGpt2Config } from './gpt2/config.js';
import { gpt2FromPretrained } from './gpt2/pretrained.js';
import { Gpt2LMHeadModel } from './gpt2/model.js';
import { fromPretrained, readRawConfig, type FromPretrainedOptions } from './pretrained.js';

export type PretrainedCausalLm = CausalLM | Gpt2LMHeadModel;

export const CAUSAL_LM_TYPES = [...MODEL_TYPES, 'gpt2'] as const;

export interface LoadCausalLmOptions extends FromPretrainedOptions {
  /**
   * Build the model from config.json alone with fresh weights (transformers' init:
   * N(0, initializer_range)) instead of loading a checkpoint; the directory needs no weights.
   */
  fromScratch?: boolean;
  /** With `fromScratch`: seeds the generator (manualSeed) before the init, so a seed gives the same weights. */
  seed?: number;
}

export function loadCausalLm(dir: string, options: LoadCausalLmOptions = {}): PretrainedCausalLm {
  const { fromScratch = false, seed, ...pretrained } = options;
  const { raw, path } = readRawConfig(dir);
  const isGpt2 = raw.model_type === 'gpt2';
  if (!isGpt2 && !(MODEL_TYPES as readonly unknown[]).includes(raw.model_type)) {
    const encoder = (ENCODER_TYPES as readonly unknown[]).includes(raw.model_type) ? ' (an encoder: load it with loadEncoder, loadMaskedLm or loadEncoderClassifier)' : '';
    throw new Error(`${path}: model_type '${String(raw.model_type)}' is not supported; supported: ${CAUSAL_LM_TYPES.join(', ')}${encoder}`);
  }
  if (!fromScratch) return isGpt2 ? gpt2FromPretrained(dir, pretrained) : fromPretrained(dir, pretrained);
  if (seed !== undefined) manualSeed(seed);
  const dtype = pretrained.dtype ?? 'float32';
  const model = isGpt2
    ? Gpt2LMHeadModel.fromConfig({ ...parseGpt2Config(raw, path), dtype })
    : CausalLM.fromConfig({ ...parseHfConfig(raw, path), dtype });
  return model.eval(); // as a loaded model: the trainer switches to train mode
}
