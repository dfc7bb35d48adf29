/** `prm:` — process reward model: one score per reasoning step. */
import { z } from 'zod';

export const PrmConfig = z
  .strictObject({
    step_separator: z.string().min(1).default('\n').describe('Text placed after each step; its last token is where the step is scored.'),
    train_on_last_step_only: z.boolean().default(false).describe('Use only the last step label (outcome supervision).'),
  })
  .describe('Process reward model on stepwise labels (training.algorithm: prm).');

export type PrmConfig = z.infer<typeof PrmConfig>;
