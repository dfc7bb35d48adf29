/**
 * How well a scorer ranks preference pairs: a reward model's scores, or a DPO policy's implicit
 * rewards β·(log π(y|x) − log π_ref(y|x)) (Rafailov et al. 2023, eq. 5). Accuracy counts a tie
 * as wrong, as TRL's `rewards/accuracies` does.
 *
 * ```ts
 * preferenceMetrics([1.2, 0.3], [0.4, 0.9]);  // { accuracy: 0.5, margin: 0.1, chosenMean: 0.75, rejectedMean: 0.65, count: 2 }
 * const r = dpoImplicitRewards({ policyChosen, policyRejected, refChosen, refRejected }, 0.1);
 * preferenceMetrics(r.chosen, r.rejected).accuracy;
 * ```
 */
import { checkPaired, mean } from './summary-stats.js';

export interface PreferenceMetrics {
  /** Fraction of pairs with chosen score > rejected score. */
  accuracy: number;
  /** Mean of chosen − rejected. */
  margin: number;
  chosenMean: number;
  rejectedMean: number;
  count: number;
}

/** Accuracy and margin from the scores of the chosen and the rejected answer of each pair. */
export function preferenceMetrics(chosen: readonly number[], rejected: readonly number[]): PreferenceMetrics {
  checkPaired('preferenceMetrics', chosen, rejected, ['chosen scores', 'rejected scores']);
  const margins = chosen.map((c, i) => c - (rejected[i] as number));
  return {
    accuracy: margins.filter((m) => m > 0).length / margins.length,
    margin: mean(margins),
    chosenMean: mean(chosen),
    rejectedMean: mean(rejected),
    count: margins.length,
  };
}

/** Summed completion log-probs of each pair's answers under the policy and the reference model. */
export interface PairLogps {
  policyChosen: readonly number[];
  policyRejected: readonly number[];
  refChosen: readonly number[];
  refRejected: readonly number[];
}

/** DPO's implicit rewards β·(log π − log π_ref) for the chosen and rejected answers. */
export function dpoImplicitRewards(logps: PairLogps, beta: number): { chosen: number[]; rejected: number[] } {
  if (!(beta > 0)) throw new Error(`dpoImplicitRewards: beta must be positive, got ${beta}`);
  const n = logps.policyChosen.length;
  for (const [name, list] of Object.entries(logps) as Array<[string, readonly number[]]>) {
    if (list.length !== n) throw new Error(`dpoImplicitRewards: ${name} has ${list.length} values, policyChosen ${n}`);
  }
  return {
    chosen: logps.policyChosen.map((p, i) => beta * (p - (logps.refChosen[i] as number))),
    rejected: logps.policyRejected.map((p, i) => beta * (p - (logps.refRejected[i] as number))),
  };
}
