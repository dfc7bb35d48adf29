/**
 * Preference pairs' completion log-probs and the NLL of the chosen rows from ONE forward of the
 * concatenated [chosen..., rejected...] batch: what the reference-free preference losses (ORPO,
 * CPO/SimPO) are made of.
 *
 * ```ts
 * const p = pairLogpsWithNll(model, collatePreference(examples, { padTokenId }), B, 'sequence');
 * const nll = p.chosenNllSum.div(p.chosenNllTokens); // ORPO's L_SFT, as TRL's CrossEntropyLoss
 * ```
 */
import type { PreferenceBatch } from '../data/index.js';
import { causalLmSequenceLogprobs, type PretrainedCausalLm } from '../models/index.js';
import { cat, type Tensor } from '../tensor/index.js';

/**
 * Which tokens of the chosen rows the NLL term averages over: 'sequence' = prompt and completion
 * (every real token after the first; TRL ORPOTrainer), 'completion' = the answer only (TRL CPOTrainer).
 */
export const NLL_TOKENS = ['sequence', 'completion'] as const;
export type NllTokens = (typeof NLL_TOKENS)[number];

export interface PairLogpsWithNll {
  /** (B,) Σ completion log-probs of the chosen / rejected answers. */
  chosen: Tensor;
  rejected: Tensor;
  /** (B,) completion tokens of each answer. */
  chosenLengths: Tensor;
  rejectedLengths: Tensor;
  /** Scalar: Σ −log p over the NLL tokens of the B chosen rows. */
  chosenNllSum: Tensor;
  /** How many tokens chosenNllSum adds up (> 0). */
  chosenNllTokens: number;
}

/** Completion log-probs of B pairs and the chosen rows' NLL over `nllTokens`, one forward with grad. */
export function pairLogpsWithNll(model: PretrainedCausalLm, batch: Pick<PreferenceBatch, 'inputIds' | 'attentionMask' | 'completionMask'>, B: number, nllTokens: NllTokens): PairLogpsWithNll {
  const input = { inputIds: batch.inputIds, attentionMask: batch.attentionMask };
  const completion = batch.completionMask;
  // The head runs where the mask is 1: the chosen rows' whole sequence for 'sequence', else the completions.
  const scored = nllTokens === 'sequence' ? cat([batch.attentionMask.slice(0, 0, B), completion.slice(0, B, 2 * B)], 0) : completion;
  const s = causalLmSequenceLogprobs(model, input, scored);
  const inCompletion = completion.slice(1, 1).to(s.perTokenLogps.dtype); // (2B, T−1)
  const logps = nllTokens === 'sequence' ? s.perTokenLogps.mul(inCompletion).sum({ dim: 1 }) : s.logps; // (2B,)
  const lengths = nllTokens === 'sequence' ? inCompletion.sum({ dim: 1 }) : s.numTokens; // (2B,)
  const chosenNllTokens = s.numTokens.slice(0, 0, B).sum().item();
  return {
    chosen: logps.slice(0, 0, B),
    rejected: logps.slice(0, B, 2 * B),
    chosenLengths: lengths.slice(0, 0, B),
    rejectedLengths: lengths.slice(0, B, 2 * B),
    chosenNllSum: s.perTokenLogps.slice(0, 0, B).sum().neg(),
    chosenNllTokens,
  };
}
