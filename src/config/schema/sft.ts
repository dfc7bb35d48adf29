/** `sft:` — supervised fine-tuning. */
import { z } from 'zod';

export const SftConfig = z
  .strictObject({
    completion_only_loss: z.boolean().default(true).describe('Compute the loss on response (assistant) tokens only, not the prompt.'),
    packing: z.boolean().default(false).describe('Pack several short examples into one max_length row.'),
    label_smoothing: z.number().min(0).lt(1).default(0).describe('Cross-entropy label smoothing.'),
  })
  .describe('Supervised fine-tuning (training.algorithm: sft).');

export type SftConfig = z.infer<typeof SftConfig>;
