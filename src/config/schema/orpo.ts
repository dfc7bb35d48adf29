/** `orpo:` — odds ratio preference optimisation (TRL ORPOConfig names). */
import { z } from 'zod';

export const OrpoConfig = z
  .strictObject({
    beta: z
      .number()
      .positive()
      .default(0.1)
      .describe('λ of the ORPO paper: weight of the odds-ratio term −log σ(log odds ratio) added to the NLL of the chosen sequence.'),
  })
  .describe('Odds ratio preference optimisation (training.algorithm: orpo): SFT and preference in one loss, no reference model.');

export type OrpoConfig = z.infer<typeof OrpoConfig>;
