/**
 * One step's scores → next tokens, in the order HF transformers' generate() builds its
 * LogitsProcessorList: repetition penalty, min new tokens, then (sampling only) temperature,
 * top-k, top-p. Greedy takes the argmax of the processed scores; sampling draws from their
 * softmax.
 *
 * ```ts
 * const scores = processScores(logits, { sequences, generated: step, eosIds }, config);
 * const next = chooseTokens(scores, config.doSample); // (B) int64
 * ```
 */
import type { Tensor } from '../tensor/index.js';
import type { GenerationConfig } from './config.js';
import { applyRepetitionPenalty, enforceMinNewTokens } from './processors.js';
import { applyTemperature, topKFilter, topPFilter } from './warpers.js';

/** What the processors read besides the scores. */
export interface StepContext {
  /** Every token so far, left padding and prompt included (B, L) int64, as HF's input_ids. */
  sequences: Tensor;
  /** New tokens generated before this step. */
  generated: number;
  eosIds: readonly number[];
}

type ProcessorSettings = Pick<GenerationConfig, 'repetitionPenalty' | 'minNewTokens' | 'doSample' | 'temperature' | 'topK' | 'topP'>;

/** Applies the enabled processors (and warpers when sampling) to raw logits (B, vocab) float. */
export function processScores(logits: Tensor, ctx: StepContext, config: ProcessorSettings): Tensor {
  let scores = logits;
  if (config.repetitionPenalty !== 1) scores = applyRepetitionPenalty(scores, ctx.sequences, config.repetitionPenalty);
  if (config.minNewTokens > 0) scores = enforceMinNewTokens(scores, ctx.eosIds, ctx.generated, config.minNewTokens);
  if (!config.doSample) return scores;
  if (config.temperature !== 1) scores = applyTemperature(scores, config.temperature);
  if (config.topK !== 0) scores = topKFilter(scores, config.topK);
  if (config.topP < 1) scores = topPFilter(scores, config.topP);
  return scores;
}

/** Greedy argmax, or one draw per row from softmax(scores) with the global generator. (B) int64. */
export function chooseTokens(scores: Tensor, doSample: boolean): Tensor {
  if (!doSample) return scores.argmax({ dim: -1 });
  return scores.softmax(-1).multinomial(1).squeeze(1);
}
