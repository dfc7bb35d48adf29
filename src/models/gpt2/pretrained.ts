/** GPT-2 checkpoints from Hugging Face directories. */
import { withEmptyInit } from '../../nn/empty-init.js';
import { loadPretrainedWeights, readRawConfig, type FromPretrainedOptions } from '../pretrained.js';
import { parseGpt2Config } from './config.js';
import { Gpt2LMHeadModel } from './model.js';

/** Old checkpoints carry the causal mask as buffers; rlhf-ts builds masks itself. */
const MASK_BUFFER = /\.attn\.(masked_)?bias$/;

export function gpt2FromPretrained(dir: string, options: FromPretrainedOptions = {}): Gpt2LMHeadModel {
  const { raw, path } = readRawConfig(dir);
  const config = { ...parseGpt2Config(raw, path), dtype: options.dtype ?? 'float32' };
  // Parameters left uninitialised: the checkpoint fills every one (no random draw to overwrite).
  const model = withEmptyInit(() => new Gpt2LMHeadModel(config));
  try {
    loadPretrainedWeights(model, dir, {
      ignoreUnexpected: (key) => MASK_BUFFER.test(key) || (config.tieWordEmbeddings && key === 'lm_head.weight'),
      ...(options.mmap === undefined ? {} : { mmap: options.mmap }),
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model.eval(); // as transformers: loaded models start in eval mode (dropout off)
}
