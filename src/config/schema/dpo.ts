/** `dpo:` — direct preference optimisation. */
import { z } from 'zod';
import { DPO_LABEL_SMOOTHING_TYPES, DPO_LOSS_TYPES, DPO_LOSSES, type DpoLossType } from '../../rl/dpo-losses.js';

export { DPO_LOSS_TYPES, type DpoLossType } from '../../rl/dpo-losses.js';

export const DpoConfig = z
  .strictObject({
    beta: z.number().positive().default(0.1).describe('Strength of the KL anchor to the reference model.'),
    loss_type: z
      .union([z.enum(DPO_LOSS_TYPES), z.array(z.enum(DPO_LOSS_TYPES)).min(1)])
      .default('sigmoid')
      .describe(
        "Pairwise loss, as TRL names it: sigmoid (DPO; cDPO with label_smoothing), ipo, hinge (SLiC), robust (rDPO), exo_pair (EXO), nca_pair (NCA), bco_pair (BCO), sppo_hard (SPPO), aot / aot_unpaired (AOT, sorted within each micro-batch; older TRL called aot_unpaired aot_pair), apo_zero / apo_down (APO), discopop (DiscoPOP), sigmoid_norm (per-token log-ratios), sft (chosen NLL); or a list summed with loss_weights, e.g. [sigmoid, sft]. docs/rl.md gives each formula.",
      ),
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
      .describe(`Assumed probability that a preference label is flipped, in [0, 0.5); read by ${DPO_LABEL_SMOOTHING_TYPES.join(', ')} (exo_pair needs it > 0, the EXO paper uses 1e-3).`),
    discopop_tau: z
      .number()
      .positive()
      .default(0.05)
      .describe('Temperature of discopop: how sharply it switches from the logistic to the exponential loss as the margin grows (0.05 as in the DiscoPOP paper and TRL).'),
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

/** dpo.loss_type as a list. */
export const dpoLossTypes = (d: Pick<DpoConfig, 'loss_type'>): readonly DpoLossType[] => (typeof d.loss_type === 'string' ? [d.loss_type] : d.loss_type);

/**
 * Cross-field rules of the dpo section, quoting the values: one weight per loss type, the label
 * smoothing the chosen types need (and none that they would all ignore), and a micro-batch for
 * AOT to sort.
 */
export function checkDpo(d: DpoConfig, perDeviceTrainBatchSize: number | 'auto', issue: (path: (string | number)[], message: string) => void): void {
  const types = dpoLossTypes(d);
  const list = types.join(', ');
  if (d.loss_weights !== null && d.loss_weights.length !== types.length) {
    issue(['dpo', 'loss_weights'], `dpo.loss_weights has ${d.loss_weights.length} weights for ${types.length} loss types (${list})`);
  }
  for (const t of new Set(types.filter((t) => DPO_LOSSES[t].labelSmoothing === 'required'))) {
    if (d.label_smoothing === 0) issue(['dpo', 'label_smoothing'], `dpo.loss_type ${t} needs dpo.label_smoothing in (0, 0.5), got 0${t === 'exo_pair' ? ' (the EXO paper uses 1e-3)' : ''}`);
  }
  if (d.label_smoothing > 0 && types.every((t) => DPO_LOSSES[t].labelSmoothing === 'ignored')) {
    issue(['dpo', 'label_smoothing'], `dpo.label_smoothing is ${d.label_smoothing}, but dpo.loss_type (${list}) ignores it; only ${DPO_LABEL_SMOOTHING_TYPES.join(', ')} read it: set it to 0 or add one of those`);
  }
  const sorting = types.filter((t) => DPO_LOSSES[t].sortsBatch);
  if (sorting.length > 0 && perDeviceTrainBatchSize === 1) {
    issue(['training', 'per_device_train_batch_size'], `dpo.loss_type ${sorting.join(', ')} sorts the pairs' log-ratios within each micro-batch, but training.per_device_train_batch_size is 1: there is nothing to sort (it reduces to sigmoid DPO); use 2 or more`);
  }
}
