/** `critic:` — value-model (critic) training. */
import { z } from 'zod';

export const CriticConfig = z
  .strictObject({
    loss_type: z.enum(['mse', 'huber']).default('mse').describe('Regression loss on the value targets.'),
    huber_delta: z.number().positive().default(1).describe('Huber loss threshold (loss_type: huber).'),
    value_model_path: z.string().nullable().default(null).describe('Initial value model; null = model.name_or_path with a fresh value head.'),
  })
  .describe('Critic / value-model training (training.algorithm: critic).');

export type CriticConfig = z.infer<typeof CriticConfig>;
