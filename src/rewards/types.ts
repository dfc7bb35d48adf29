/** Reward functions for online RL: what they see and what they return. */

/** One completion to score. */
export interface RewardInput {
  /** The prompt as text (chat prompts rendered by the tokenizer's template). */
  prompt: string;
  /** The generated completion, decoded without special tokens. */
  completion: string;
  /** The record's reference answer, when it has one (rule-based rewards compare against it). */
  reference?: string;
  completionIds: readonly number[];
  /** True when the completion hit max_new_tokens without EOS. */
  truncated: boolean;
}

/** A reward function: a finite number per completion (higher is better). May be async. */
export type RewardFunction = (input: RewardInput) => number | Promise<number>;

/** A named, weighted reward function of a run. */
export interface NamedReward {
  name: string;
  weight: number;
  fn: RewardFunction;
}
