/** `dpo:` — direct preference optimisation. */
import { z } from 'zod';
import { DPO_LOSS_TYPES } from '../../rl/dpo.js';

export { DPO_LOSS_TYPES, type DpoLossType } from '../../rl/dpo.js';

export const DpoConfig = z
  .strictObject({
    beta: z.number().positive().default(0.1).describe('Strength of the KL anchor to the reference model.'),
    loss_type: z
      .union([z.enum(DPO_LOSS_TYPES), z.array(z.enum(DPO_LOSS_TYPES)).min(1)])
      .default('sigmoid')
      .describe('Pairwise loss: sigmoid (DPO; cDPO with label_smoothing), ipo, hinge (SLiC), robust; or a list summed with loss_weights, e.g. [sigmoid, sft].'),
    loss_weights: z
      .array(z.number().min(0))
      .nullable()
      .default(null)
      .describe('One weight per entry of loss_type when it is a list; null = all 1.'),
    label_smoothing: z
      .number()
      .min(0)
      .lt(0.5)
      .default(0)
      .describe('Assumed probability that a preference label is flipped (cDPO / robust DPO), in [0, 0.5).'),
    ref_model_path: z
      .string()
      .nullable()
      .default(null)
      .describe('Reference model directory; null = the starting policy (with lora.enabled: the base with adapters disabled, no second copy).'),
    reference_free: z.boolean().default(false).describe('Ignore the reference model (an implicit uniform reference).'),
    precompute_ref_log_probs: z
      .boolean()
      .default(false)
      .describe('Score every pair with the reference once before training, then free it: no reference model in memory while training.'),
  })
  .describe('Direct preference optimisation (training.algorithm: dpo).');

export type DpoConfig = z.infer<typeof DpoConfig>;
