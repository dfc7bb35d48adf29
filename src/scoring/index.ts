/**
 * Scoring a trained model over tokenized data, in eval mode without grad: one function per
 * question, shared by the trainers (their losses and evaluation) and by `rlhf eval` / `rlhf score`,
 * so training and evaluation measure the same thing.
 *
 * ```ts
 * const scores = scoreResponses(rewardModel, tokenizer, [{ kind: 'sft', prompt: 'Hi', response: 'Hello!' }]);
 * const logps = scorePairLogps(policy, pairs, padTokenId);
 * ```
 */
export { scoreResponses, scorePairs } from './reward.js';
export type { ScoreOptions, PairScores } from './reward.js';
export { pairLogps, scorePairLogps } from './pair-logps.js';
export { scoreCompletionLogps } from './completion-logps.js';
export { pairLogpsWithNll, NLL_TOKENS } from './pair-nll.js';
export type { NllTokens, PairLogpsWithNll } from './pair-nll.js';
export { compareTeacherStudent, sequenceScores, responseMask } from './critic.js';
export type { TeacherStudentComparison } from './critic.js';
