/** `model:` — which checkpoint to load and how. */
import { z } from 'zod';

export const ModelConfig = z
  .strictObject({
    name_or_path: z
      .string()
      .min(1)
      .describe('Hugging Face model directory (config.json + safetensors) to start from. Required.'),
    cache_dir: z
      .string()
      .nullable()
      .default(null)
      .describe('Folder for downloaded or converted checkpoints; null = next to the model.'),
    tokenizer_name_or_path: z
      .string()
      .nullable()
      .default(null)
      .describe('Tokenizer directory when it differs from the model; null = model.name_or_path.'),
    dtype: z
      .enum(['float32', 'bfloat16', 'float16'])
      .default('float32')
      .describe('Parameter dtype once loaded (float16 needs a GradScaler and CUDA).'),
  })
  .describe('The model to train: a Hugging Face checkpoint directory.');

export type ModelConfig = z.infer<typeof ModelConfig>;
