/** `contrastive:` — contrastive sentence-embedding training (training.algorithm: contrastive). */
import { z } from 'zod';
import { SENTENCE_POOLINGS } from '../../contrastive/pooling.js';
import { Augmentation } from '../../data/augment/spec.js';

export const CONTRASTIVE_METHODS = ['simclr', 'moco'] as const;

export const ContrastiveConfig = z
  .strictObject({
    method: z
      .enum(CONTRASTIVE_METHODS)
      .default('simclr')
      .describe('simclr: NT-Xent, the other 2N-2 views of the batch are the negatives (both directions); moco: a momentum key encoder and a queue of negatives.'),
    temperature: z.number().positive().default(0.07).describe('τ dividing the cosine similarities in InfoNCE.'),
    pooling: z.enum(SENTENCE_POOLINGS).default('mean').describe('Sentence vector from the hidden states: mean over real tokens, the first token (cls), or the last real token (last, for decoders).'),
    projection_dim: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(128)
      .describe('Width of the projection head (Linear, ReLU, Linear) the loss sees; null = the pooled vector itself. The head is saved beside the encoder (contrastive_head/), the embeddings are the encoder\'s.'),
    momentum: z.number().min(0).max(1).default(0.999).describe('moco: the key encoder moves to m·key + (1-m)·query every micro-batch.'),
    queue_size: z.number().int().positive().default(65536).describe('moco: negatives kept from earlier batches (saved in checkpoints).'),
    augmentations: z
      .array(Augmentation)
      .default([{ type: 'random_delete', prob: 0.1 }, { type: 'random_crop', ratio: 0.9 }])
      .describe('How each view of a data.datasets.text document is made, applied in order (seeded); for data.datasets.pair records they apply to both sides too (an empty list: the pairs as given).'),
  })
  .describe('Contrastive learning (training.algorithm: contrastive) on data.datasets.pair (anchor/positive) or two augmented views of data.datasets.text.');
export type ContrastiveConfig = z.infer<typeof ContrastiveConfig>;
