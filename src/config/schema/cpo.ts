/** `cpo:` — contrastive preference optimisation and SimPO (TRL CPOConfig names). */
import { z } from 'zod';
import { CPO_LOSS_TYPES, type CpoLossType } from '../../rl/cpo.js';

export { CPO_LOSS_TYPES, type CpoLossType } from '../../rl/cpo.js';

export const CpoConfig = z
  .strictObject({
    beta: z.number().positive().default(0.1).describe('Temperature of the preference loss (IPO: the regularisation τ).'),
    loss_type: z
      .enum(CPO_LOSS_TYPES)
      .default('sigmoid')
      .describe('sigmoid (CPO), hinge (SLiC), ipo, or simpo (SimPO: length-normalised log-probs and the target margin simpo_gamma; set cpo_alpha 0 for pure SimPO).'),
    label_smoothing: z
      .number()
      .min(0)
      .lt(0.5)
      .default(0)
      .describe('Assumed probability that a preference label is flipped (sigmoid and simpo only), in [0, 0.5).'),
    cpo_alpha: z.number().min(0).default(1.0).describe('Weight of the NLL of the chosen completion added to the preference loss; 0 = none (pure SimPO).'),
    simpo_gamma: z.number().default(0.5).describe('SimPO target reward margin γ (loss_type simpo only).'),
    alpha: z.number().default(0).describe('AlphaPO reward shape α: rewards (1 − P^(−α))/α instead of log P; 0 = log-prob rewards.'),
  })
  .describe('Contrastive preference optimisation and SimPO (training.algorithm: cpo); no reference model.');

export type CpoConfig = z.infer<typeof CpoConfig>;

/** Loss types that read cpo.label_smoothing (TRL warns and ignores it for the others). */
export const CPO_LABEL_SMOOTHING_TYPES: readonly CpoLossType[] = ['sigmoid', 'simpo'];

/** Cross-field rules of the cpo section, quoting the values: label smoothing only where the loss reads it. */
export function checkCpo(c: CpoConfig, issue: (path: (string | number)[], message: string) => void): void {
  if (c.label_smoothing > 0 && !CPO_LABEL_SMOOTHING_TYPES.includes(c.loss_type)) {
    issue(['cpo', 'label_smoothing'], `cpo.label_smoothing (${c.label_smoothing}) applies to loss_type ${CPO_LABEL_SMOOTHING_TYPES.join(' and ')} only, not ${c.loss_type}; set it to 0`);
  }
}
