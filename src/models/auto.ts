/**
 * Picks the model class from config.json's model_type, like transformers' AutoModelForCausalLM.
 *
 * ```ts
 * const lm = loadCausalLm('path/to/model');   // llama, qwen2, mistral or gpt2
 * ```
 */
import { CausalLM } from './causal-lm.js';
import { MODEL_TYPES } from './config.js';
import { gpt2FromPretrained } from './gpt2/pretrained.js';
import { Gpt2LMHeadModel } from './gpt2/model.js';
import { fromPretrained, readRawConfig, type FromPretrainedOptions } from './pretrained.js';

export type PretrainedCausalLm = CausalLM | Gpt2LMHeadModel;

export const CAUSAL_LM_TYPES = [...MODEL_TYPES, 'gpt2'] as const;

export function loadCausalLm(dir: string, options: FromPretrainedOptions = {}): PretrainedCausalLm {
  const { raw, path } = readRawConfig(dir);
  if (raw.model_type === 'gpt2') return gpt2FromPretrained(dir, options);
  if ((MODEL_TYPES as readonly unknown[]).includes(raw.model_type)) return fromPretrained(dir, options);
  throw new Error(`${path}: model_type '${String(raw.model_type)}' is not supported; supported: ${CAUSAL_LM_TYPES.join(', ')}`);
}
