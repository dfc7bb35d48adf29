/**
 * Online DPO (Guo et al. 2024, "Direct Language Model Alignment from Online AI Feedback"; TRL 1.13
 * OnlineDPOTrainer.training_step): two completions per prompt sampled from the current policy,
 * the higher-scored one is chosen, and the pair takes a DPO step against the reference.
 *
 * - missing_eos_penalty: a completion without EOS scores `penalty` less before the choice;
 * - the choice: completion 0 wins ties (TRL: `first_half >= second_half`);
 * - the loss: dpoLoss (dpo.ts) on summed completion log-probs, sigmoid −log σ(βΔ) or IPO
 *   (Δ − 1/(2β))² — online IPO does not average the log-ratios per token, so it gets lengths 1;
 * - TRL's logged statistics, by TRL's names.
 *
 * ```ts
 * const scores = penalizeMissingEos([0.5, 0.9], [true, false], 1); // [0.5, -0.1]
 * choosePairs(scores);                                            // { chosen: [0], rejected: [1] }
 * const out = onlineDpoLoss({ policyChosenLogps, policyRejectedLogps, refChosenLogps, refRejectedLogps, chosenScores, rejectedScores }, { beta: 0.1, lossType: 'sigmoid' });
 * ```
 */
import { cat, onesLike, tidy, type Tensor } from '../tensor/index.js';
import { dpoLoss, type DpoInputs } from './dpo.js';
import type { DpoLossType } from './dpo-losses.js';
import { assertShape, assertVector } from './shapes.js';

/** The loss types TRL's OnlineDPOTrainer takes (a subset of DPO's, one implementation). */
export const ONLINE_DPO_LOSS_TYPES = ['sigmoid', 'ipo'] as const satisfies readonly DpoLossType[];
export type OnlineDpoLossType = (typeof ONLINE_DPO_LOSS_TYPES)[number];

/** TRL's names of the statistics onlineDpoLoss computes (the trainer adds `val/contain_eos_token` and `beta`). */
export const ONLINE_DPO_METRICS = [
  'objective/kl', 'objective/entropy', 'objective/non_score_reward', 'objective/rlhf_reward', 'objective/scores', 'objective/scores_margin',
  'rewards/chosen', 'rewards/rejected', 'rewards/accuracies', 'rewards/margins', 'logps/chosen', 'logps/rejected',
] as const;
export type OnlineDpoMetric = (typeof ONLINE_DPO_METRICS)[number];

/** Each score minus `penalty` where its completion has no EOS (TRL missing_eos_penalty); null leaves them. */
export function penalizeMissingEos(scores: readonly number[], containsEos: readonly boolean[], penalty: number | null): number[] {
  if (scores.length !== containsEos.length) throw new RangeError(`penalizeMissingEos: ${scores.length} scores but ${containsEos.length} EOS flags`);
  return scores.map((s, i) => (penalty !== null && !containsEos[i] ? s - penalty : s));
}

/**
 * Chosen and rejected row of each pair: rows (2i, 2i + 1) are prompt i's two completions; the
 * higher score is chosen and row 2i wins a tie, as TRL's `mask = first_half >= second_half`.
 */
export function choosePairs(scores: readonly number[]): { chosen: number[]; rejected: number[] } {
  if (scores.length % 2 !== 0) throw new RangeError(`choosePairs: ${scores.length} scores are not whole pairs`);
  const chosen: number[] = [];
  const rejected: number[] = [];
  for (let i = 0; i < scores.length; i += 2) {
    const firstWins = (scores[i] as number) >= (scores[i + 1] as number);
    chosen.push(firstWins ? i : i + 1);
    rejected.push(firstWins ? i + 1 : i);
  }
  return { chosen, rejected };
}

export interface OnlineDpoInputs extends Pick<DpoInputs, 'policyChosenLogps' | 'policyRejectedLogps' | 'refChosenLogps' | 'refRejectedLogps'> {
  /** (B,) the scores that chose the pair (after the EOS penalty). */
  chosenScores: Tensor;
  rejectedScores: Tensor;
}

export interface OnlineDpoOutput {
  /** Scalar: mean over the B pairs. */
  loss: Tensor;
  /** Detached scalars by TRL's names. */
  metrics: Record<OnlineDpoMetric, Tensor>;
}

/**
 * The DPO loss of B online pairs (summed completion log-probs, (B,) each) and TRL's statistics:
 * objective/kl = mean over the 2B completions of Σ_t (log πθ − log π_ref), entropy = −mean Σ_t log πθ,
 * non_score_reward = −β·kl, rlhf_reward = mean(score − β·KL), scores = mean score.
 */
export function onlineDpoLoss(x: OnlineDpoInputs, o: { beta: number; lossType: OnlineDpoLossType }): OnlineDpoOutput {
  const B = assertVector('onlineDpoLoss', 'policyChosenLogps', x.policyChosenLogps);
  for (const name of ['policyRejectedLogps', 'refChosenLogps', 'refRejectedLogps', 'chosenScores', 'rejectedScores'] as const) assertShape('onlineDpoLoss', name, x[name], [B]);
  return tidy(() => {
    const ones = onesLike(x.policyChosenLogps);
    const dpo = dpoLoss({ ...x, chosenLengths: ones, rejectedLengths: ones }, { beta: o.beta, lossType: o.lossType });
    const policy = cat([x.policyChosenLogps, x.policyRejectedLogps]).detach(); // (2B,)
    const kl = policy.sub(cat([x.refChosenLogps, x.refRejectedLogps])); // (2B,) sequence KL estimate
    const scores = cat([x.chosenScores, x.rejectedScores]);
    const nonScore = kl.mul(-o.beta);
    return {
      loss: dpo.loss,
      metrics: {
        'objective/kl': kl.mean(),
        'objective/entropy': policy.mean().neg(),
        'objective/non_score_reward': nonScore.mean(),
        'objective/rlhf_reward': scores.add(nonScore).mean(),
        'objective/scores': scores.mean(),
        'objective/scores_margin': x.chosenScores.sub(x.rejectedScores).mean(),
        'rewards/chosen': dpo.metrics.chosen,
        'rewards/rejected': dpo.metrics.rejected,
        'rewards/accuracies': dpo.metrics.accuracy,
        'rewards/margins': dpo.metrics.margin,
        'logps/chosen': x.policyChosenLogps.detach().mean(),
        'logps/rejected': x.policyRejectedLogps.detach().mean(),
      },
    };
  });
}
