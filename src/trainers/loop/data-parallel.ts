/**
 * What a trainer sets up for data parallelism (the offline and the online loop alike): every
 * rank starts from rank 0's weights (as DDP at construction), gradients are summed in buckets
 * during backward, and AdamW's state is sharded with distributed.strategy zero1.
 */
import { DistributedConfig, type TrainingConfig } from '../../config/index.js';
import { broadcastParameters, GradientSync, ZeroAdamW, type ProcessGroup } from '../../distributed/index.js';
import { AdamW } from '../../optim/index.js';
import type { Tensor } from '../../tensor/index.js';

export interface TrainingParallelism {
  optimizer: AdamW;
  /** null when training alone. */
  gradSync: GradientSync | null;
}

/**
 * The optimizer of `params` and, in a group, the gradient synchronisation; `weights` are every
 * tensor of the trained models, broadcast from rank 0.
 */
export function setUpTraining(group: ProcessGroup | null, weights: readonly Tensor[], params: Tensor[], t: TrainingConfig, distributed?: DistributedConfig): TrainingParallelism {
  const options = { lr: t.learning_rate, weightDecay: t.weight_decay };
  if (group === null) return { optimizer: new AdamW(params, options), gradSync: null };
  const d = distributed ?? DistributedConfig.parse({});
  broadcastParameters(group, weights);
  return {
    optimizer: d.strategy === 'zero1' ? new ZeroAdamW(group, params, options) : new AdamW(params, options),
    gradSync: new GradientSync(group, params, { bucketCapMb: d.bucket_cap_mb, findUnusedParameters: d.find_unused_parameters }),
  };
}
