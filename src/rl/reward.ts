/**
 * Pairwise reward-model loss (Bradley–Terry), as TRL `RewardTrainer.compute_loss`.
 *
 * Ouyang et al. 2022, "Training language models to follow instructions with human
 * feedback" (InstructGPT), eq. 1: L = −log σ(r(x, y_w) − r(x, y_l)); the margin variant is
 * Llama 2's (Touvron et al. 2023, eq. 2): −log σ(r_w − r_l − m).
 *
 * ```ts
 * const { loss, metrics } = rewardModelLoss(rewardsChosen, rewardsRejected, { margin: 0.5 });
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { assertShape, assertVector } from './shapes.js';

export interface RewardLossOptions {
  /** Required reward gap per pair: a number, or a (B,) tensor. */
  margin?: number | Tensor;
  /** Adds c · mean((r_w + r_l)²), keeping rewards centred on 0 (Eisenstein et al. 2023). */
  centerRewardsCoefficient?: number | null;
}

export interface RewardLossOutput {
  /** Scalar. */
  loss: Tensor;
  /** Scalars, detached: fraction with r_w > r_l, and mean(r_w − r_l). */
  metrics: { accuracy: Tensor; margin: Tensor };
}

/** rewardsChosen, rewardsRejected: (B,) scalar rewards (squeeze a (B, 1) head output first). */
export function rewardModelLoss(rewardsChosen: Tensor, rewardsRejected: Tensor, options: RewardLossOptions = {}): RewardLossOutput {
  const B = assertVector('rewardModelLoss', 'rewardsChosen', rewardsChosen);
  assertShape('rewardModelLoss', 'rewardsRejected', rewardsRejected, [B]);
  const { margin, centerRewardsCoefficient } = options;
  if (margin !== undefined && typeof margin !== 'number') assertShape('rewardModelLoss', 'margin', margin, [B]);
  return tidy(() => {
    let diff = rewardsChosen.sub(rewardsRejected);
    if (margin !== undefined) diff = diff.sub(margin);
    let loss = diff.logsigmoid().neg().mean();
    if (centerRewardsCoefficient) {
      loss = loss.add(rewardsChosen.add(rewardsRejected).square().mean().mul(centerRewardsCoefficient));
    }
    const rc = rewardsChosen.detach();
    const rr = rewardsRejected.detach();
    return { loss, metrics: { accuracy: rc.gt(rr).to(rc.dtype).mean(), margin: rc.sub(rr).mean() } };
  });
}
