/** `prm:` — process reward model: one score per reasoning step, or one per latent sequence. */
import { z } from 'zod';
import { POOLINGS } from '../../models/heads.js';

/** prm.mode: auto picks stepwise or latent from the data (see trainers/prm/run.ts prmMode). */
export const PRM_MODES = ['auto', 'stepwise', 'latent'] as const;

export const PrmConfig = z
  .strictObject({
    mode: z
      .enum(PRM_MODES)
      .default('auto')
      .describe('stepwise: text with per-step labels (data.datasets.stepwise); latent: latent sequences with a score (data.datasets.latent); auto: latent when latent files are given.'),
    step_separator: z.string().min(1).default('\n').describe('Text placed after each step; its last token is where the step is scored (stepwise).'),
    train_on_last_step_only: z.boolean().default(false).describe('Use only the last step label (outcome supervision; stepwise).'),
    pooling: z.enum(POOLINGS).default('mean').describe('How the latent steps become one vector before the regression head (latent).'),
    latent_dim: z
      .number()
      .int()
      .positive()
      .nullable()
      .default(null)
      .describe('Width of the latent vectors; null = read from the first example. A projection maps it to the model width when they differ (latent).'),
  })
  .describe('Process reward model (training.algorithm: prm).');

export type PrmConfig = z.infer<typeof PrmConfig>;
