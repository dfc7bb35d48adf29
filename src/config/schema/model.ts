/** `model:` — which checkpoint to load and how. */
import { z } from 'zod';
import type { DType } from '../../tensor/dtype.js';

/**
 * pretrained: load the weights in model.name_or_path. from_scratch: build the model from its
 * config.json alone with fresh weights (N(0, initializer_range), seeded by training.seed), as
 * for a tiny model trained on a synthetic task; the directory then needs no weights.
 */
export const MODEL_INITS = ['pretrained', 'from_scratch'] as const;
export type ModelInit = (typeof MODEL_INITS)[number];

/** The tensor dtypes model.dtype may name. */
export const MODEL_DTYPES = ['float32', 'bfloat16', 'float16'] as const satisfies readonly DType[];

export const ModelConfig = z
  .strictObject({
    name_or_path: z
      .string()
      .min(1)
      .describe('Hugging Face model directory (config.json + safetensors; config.json alone with init: from_scratch) to start from. Required.'),
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
      .enum(MODEL_DTYPES)
      .default('float32')
      .describe('Parameter dtype once loaded (float16 needs a GradScaler and CUDA).'),
    init: z
      .enum(MODEL_INITS)
      .default('pretrained')
      .describe(
        'pretrained: load the weights in name_or_path. from_scratch: build the model from its config.json alone with fresh weights ' +
          '(N(0, initializer_range), seeded by training.seed); the directory needs no weights. from_scratch works with training.algorithm sft.',
      ),
  })
  .describe('The model to train: a Hugging Face checkpoint directory.');

export type ModelConfig = z.infer<typeof ModelConfig>;
