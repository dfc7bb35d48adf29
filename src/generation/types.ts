/** What generate() takes besides the model and config, and what it returns per prompt. */
import type { Device } from '../tensor/index.js';
import type { Decode } from './stop-strings.js';

/** Why a row stopped: an EOS id, a stop string in its text, or maxNewTokens. */
export type FinishReason = 'eos' | 'stop_string' | 'length';

/**
 * Called once per step, after the step's tokens are chosen. `tokenIds[i]` is what row i
 * received; `live[i]` is false when row i had already finished and got padding (HF's
 * streamers see that padding too). Stream text by appending the live tokens.
 */
export type TokenCallback = (step: number, tokenIds: readonly number[], live: readonly boolean[]) => void;

export interface GenerateOptions {
  /** Streaming: sees every step's tokens as soon as they are chosen. */
  onToken?: TokenCallback;
  /** Token ids to text: needed for stopStrings, and fills `text` in the results. */
  decode?: Decode;
  /** Where the input tensors are made. Default: the model's device. */
  device?: Device;
}

export interface GenerationResult {
  /** New tokens, prompt excluded, up to and including the EOS or the token that completed a stop string. */
  tokenIds: number[];
  /** decode(tokenIds), when a decode function was given. */
  text?: string;
  /**
   * Per token, log p(token) under the model itself: log-softmax of its raw logits. What RL
   * objectives (PPO ratios, KL to a reference) need.
   */
  modelLogprobs: number[];
  /**
   * Per token, log p(token) under the distribution it was chosen from: log-softmax of the
   * processed scores (repetition penalty, min-new-tokens and, when sampling, temperature,
   * top-k, top-p). HF's `output_scores` after log-softmax.
   */
  processedLogprobs: number[];
  finishReason: FinishReason;
}
