/** `model:` — which checkpoint to load and how. */
import { z } from 'zod';

/**
 * pretrained: load the weights in model.name_or_path. from_scratch: build the model from its
 * config.json alone with fresh weights (N(0, initializer_range), seeded by training.seed), as
 * for a tiny model trained on a synthetic task; the directory then needs no weights.
 */
export const MODEL_INITS = ['pretrained', 'from_scratch'] as const;
export type ModelInit = (typeof MODEL_INITS)[number];

/** The dtypes weights can be loaded and trained in (model.dtype). */
export const MODEL_DTYPES = ['float32', 'bfloat16', 'float16'] as const;
export type ModelDtype = (typeof MODEL_DTYPES)[number];

export const ModelConfig = z
  .strictObject({
    name_or_path: z
      .string()
      .min(1)
      .describe(
        'Hugging Face model directory (config.json + safetensors; config.json alone with init: from_scratch) to start from, ' +
          'or a hub id (org/name) already in the Hugging Face cache (see cache_dir). Required.',
      ),
    cache_dir: z
      .string()
      .nullable()
      .default(null)
      .describe(
        'Hugging Face hub cache where a hub id in name_or_path / tokenizer_name_or_path is looked up ' +
          '(<cache_dir>/models--<org>--<name>/snapshots/<refs/main>/); null = $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. ' +
          'rlhf-ts never downloads: fill the cache with huggingface-cli download. Unused when name_or_path is a directory.',
      ),
    tokenizer_name_or_path: z
      .string()
      .nullable()
      .default(null)
      .describe('Tokenizer directory (or hub id in the cache) when it differs from the model; every command that loads a tokenizer uses it. null = model.name_or_path.'),
    dtype: z
      .enum(MODEL_DTYPES)
      .default('float32')
      .describe(
        'The dtype the trained weights are loaded, trained and saved in (also the reference, reward and value models it loads). ' +
          'float16 needs a CUDA device and training.fp16 false; for mixed precision keep float32 and set training.bf16 / training.fp16.',
      ),
    init: z
      .enum(MODEL_INITS)
      .default('pretrained')
      .describe(
        'pretrained: load the weights in name_or_path. from_scratch: build the model from its config.json alone with fresh weights ' +
          '(N(0, initializer_range), seeded by training.seed); the directory needs no weights. from_scratch works with training.algorithm sft, pretrain and mlm.',
      ),
  })
  .describe('The model to train: a Hugging Face checkpoint directory.');

export type ModelConfig = z.infer<typeof ModelConfig>;
