/**
 * Built-in rule-based rewards, registered by name for `rewards.functions` in a config:
 * exact_match, numeric_match, format (regex), length_penalty.
 */
import { exactMatch, numericMatch } from '../eval/metrics/answer-match.js';
import type { RewardFunction } from './types.js';

/** Options a built-in may read from its config entry. */
export interface BuiltinOptions {
  /** format: the regular expression a completion must match (searched, use ^...$ for whole). */
  pattern?: string;
  /** length_penalty: completions up to this many tokens cost nothing. */
  target_length?: number;
  /** length_penalty: reward lost per token beyond target_length. */
  per_token?: number;
  /** numeric_match: absolute tolerance. */
  tolerance?: number;
}

export { lastNumber } from '../eval/metrics/answer-match.js';

function needReference(name: string, reference: string | undefined): string {
  if (reference === undefined) throw new Error(`${name} needs a reference answer: give the prompt records a "reference" field`);
  return reference;
}

export const BUILTIN_REWARDS: Record<string, (options: BuiltinOptions) => RewardFunction> = {
  /** 1 when the completion equals the reference (whitespace-normalised), else 0. */
  exact_match: () => ({ completion, reference }) => (exactMatch(completion, needReference('exact_match', reference)) ? 1 : 0),
  /** 1 when the last number in the completion equals the reference's number (within tolerance). */
  numeric_match: (o) => ({ completion, reference }) => (numericMatch(completion, needReference('numeric_match', reference), o.tolerance) ? 1 : 0),
  /** 1 when the completion matches `pattern`, else 0. */
  format: (o) => {
    if (o.pattern === undefined) throw new Error('the format reward needs a pattern (a regular expression)');
    const re = new RegExp(o.pattern, 'su');
    return ({ completion }) => (re.test(completion) ? 1 : 0);
  },
  /** −per_token for each token beyond target_length (0 up to it). */
  length_penalty: (o) => {
    const target = o.target_length ?? 0;
    const perToken = o.per_token ?? 0.01;
    return ({ completionIds }) => -perToken * Math.max(0, completionIds.length - target);
  },
};
