/** `dpo:` — direct preference optimisation. */
import { z } from 'zod';

/** Pairwise losses, as TRL names them. */
export const DPO_LOSS_TYPES = ['sigmoid', 'ipo', 'hinge', 'robust', 'exo_pair', 'nca_pair', 'bco_pair', 'apo_zero', 'apo_down'] as const;
export type DpoLossType = (typeof DPO_LOSS_TYPES)[number];

export const DpoConfig = z
  .strictObject({
    beta: z.number().positive().default(0.1).describe('Strength of the KL anchor to the reference model.'),
    loss_type: z.enum(DPO_LOSS_TYPES).default('sigmoid').describe('Pairwise loss: sigmoid (DPO), ipo, hinge (SLiC), robust (cDPO), ...'),
    label_smoothing: z
      .number()
      .min(0)
      .lt(0.5)
      .default(0)
      .describe('Assumed probability that a preference label is flipped (cDPO / robust DPO), in [0, 0.5).'),
    ref_model_path: z.string().nullable().default(null).describe('Reference model directory; null = a frozen copy of model.name_or_path.'),
    reference_free: z.boolean().default(false).describe('Ignore the reference model (an implicit uniform reference).'),
  })
  .describe('Direct preference optimisation (training.algorithm: dpo).');

export type DpoConfig = z.infer<typeof DpoConfig>;
