/** `kto:` — Kahneman-Tversky optimisation on unpaired preference data (TRL KTOConfig names). */
import { z } from 'zod';
import { KTO_KL_LOSS_TYPES, KTO_LOSS_TYPES } from '../../rl/kto.js';

export { KTO_LOSS_TYPES, type KtoLossType } from '../../rl/kto.js';

export const KtoConfig = z
  .strictObject({
    beta: z.number().positive().default(0.1).describe('β: scale of the implicit reward β·log(π/π_ref); higher keeps the policy closer to the reference.'),
    loss_type: z
      .enum(KTO_LOSS_TYPES)
      .default('kto')
      .describe('kto (KTO paper eq. 7: the reference point z0 is the batch KL estimate from mismatched prompt/completion pairs) or apo_zero_unpaired (APO-zero without pairs: z0 = 0, no KL forward).'),
    desirable_weight: z.number().min(0).default(1.0).describe('λ_D: weight of a desirable example\'s loss, to counter unequal numbers of desirable and undesirable examples.'),
    undesirable_weight: z.number().min(0).default(1.0).describe('λ_U: weight of an undesirable example\'s loss.'),
    ref_model_path: z
      .string()
      .nullable()
      .default(null)
      .describe('Reference model directory; null = the starting policy (with lora.enabled: the base with adapters disabled, no second copy).'),
    precompute_ref_log_probs: z
      .boolean()
      .default(false)
      .describe('Score every example with the reference once before training, then free it (loss_type apo_zero_unpaired only: kto\'s KL pairs change with each shuffled micro-batch).'),
  })
  .describe('Kahneman-Tversky optimisation (training.algorithm: kto) on unpaired {prompt, completion, label} examples; paired preference data is unpaired.');

export type KtoConfig = z.infer<typeof KtoConfig>;

/**
 * Cross-field rules of the kto section, quoting the values: the KL estimate needs a micro-batch of
 * at least 2 (TRL's rule) and a live reference (its pairs are drawn per shuffled micro-batch).
 */
export function checkKto(k: KtoConfig, perDeviceTrainBatchSize: number | 'auto', issue: (path: (string | number)[], message: string) => void): void {
  if (!KTO_KL_LOSS_TYPES.includes(k.loss_type)) return;
  if (perDeviceTrainBatchSize === 1) {
    issue(['training', 'per_device_train_batch_size'], `kto.loss_type ${k.loss_type} estimates the KL reference point from each micro-batch's completions paired with other prompts, but training.per_device_train_batch_size is 1: the "mismatched" completion would be the example's own; use 2 or more (TRL refuses 1 too), or kto.loss_type apo_zero_unpaired`);
  }
  if (k.precompute_ref_log_probs) {
    issue(['kto', 'precompute_ref_log_probs'], `kto.precompute_ref_log_probs is true, but kto.loss_type ${k.loss_type} pairs each prompt with another example's completion of its shuffled micro-batch, so the reference's log-probs of those pairs cannot be computed ahead; set it to false (the reference stays in memory), or use kto.loss_type apo_zero_unpaired`);
  }
}
