/**
 * Scoring with a trained reward model: one score per response, or chosen/rejected scores per
 * pair with the accuracy — the same tokenization and reward position as training.
 *
 * ```ts
 * const scores = scoreResponses(rm, tokenizer, [{ kind: 'sft', prompt: 'Hi', response: 'Hello!' }]);
 * ```
 */
import { checkChatTemplateMode, collateCompletions, collatePreference, padIdOf, type ChatTemplateMode, tokenizePreference, tokenizeSft, type PreferenceRecord, type SftRecord } from '../data/index.js';
import type { SequenceScoreModel } from '../models/index.js';
import { noGrad, tidy } from '../tensor/index.js';
import type { Tokenizer } from '../tokenizers/index.js';

export interface ScoreOptions {
  batchSize?: number;
  maxLength?: number;
  maxPromptLength?: number;
  /** Which records use the chat template (`data.chat_template`); default 'auto'. */
  chatTemplate?: ChatTemplateMode;
}

function tokenizeOptions(tokenizer: Tokenizer, o: ScoreOptions) {
  return { ...(o.maxLength === undefined ? {} : { maxLength: o.maxLength }), ...(o.maxPromptLength === undefined ? {} : { maxPromptLength: o.maxPromptLength }), chatTemplate: checkChatTemplateMode(o.chatTemplate ?? 'auto', tokenizer) };
}

/** Reward of each prompt + response (at its last real token), in eval mode without grad. */
export function scoreResponses(model: SequenceScoreModel, tokenizer: Tokenizer, records: readonly SftRecord[], options: ScoreOptions = {}): number[] {
  const padTokenId = padIdOf(tokenizer);
  const examples = records.map((r) => tokenizeSft(tokenizer, r, tokenizeOptions(tokenizer, options)));
  const B = options.batchSize ?? 8;
  const out: number[] = [];
  model.eval();
  for (let i = 0; i < examples.length; i += B) {
    const batch = collateCompletions(examples.slice(i, i + B), { padTokenId });
    out.push(...tidy(() => noGrad(() => model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask }).scores.select(-1, 0).toArray() as number[])));
  }
  return out;
}

export interface PairScores {
  chosen: number[];
  rejected: number[];
  /** Fraction of pairs with chosen > rejected. */
  accuracy: number;
  /** Mean chosen − rejected. */
  margin: number;
}

/** Chosen and rejected rewards of each pair (the reward trainer's batch layout). */
export function scorePairs(model: SequenceScoreModel, tokenizer: Tokenizer, records: readonly PreferenceRecord[], options: ScoreOptions = {}): PairScores {
  const padTokenId = padIdOf(tokenizer);
  const examples = records.map((r) => tokenizePreference(tokenizer, r, tokenizeOptions(tokenizer, options)));
  const B = options.batchSize ?? 8;
  const chosen: number[] = [];
  const rejected: number[] = [];
  model.eval();
  for (let i = 0; i < examples.length; i += B) {
    const part = examples.slice(i, i + B);
    const batch = collatePreference(part, { padTokenId, paddingSide: 'right' });
    const scores = tidy(() => noGrad(() => model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask }).scores.select(-1, 0).toArray() as number[]));
    chosen.push(...scores.slice(0, part.length));
    rejected.push(...scores.slice(part.length));
  }
  const n = chosen.length;
  const accuracy = n === 0 ? NaN : chosen.filter((c, i) => c > (rejected[i] as number)).length / n;
  const margin = n === 0 ? NaN : chosen.reduce((s, c, i) => s + c - (rejected[i] as number), 0) / n;
  return { chosen, rejected, accuracy, margin };
}
