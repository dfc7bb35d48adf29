/**
 * Collators: tokenized examples to padded int64 tensors. Each has a pure `*Rows` half that
 * returns `number[][]` (easy to test and to inspect) and a tensor half on top of it. The
 * tensors are made outside any scope unless the caller wraps the call in `tidy()`; the
 * caller owns them (`dispose(batch)` frees them all).
 */
import { tensor, type Tensor } from '../../tensor/index.js';
import { paddedLength, padTo, type PaddingOptions } from './pad.js';
import { IGNORE_INDEX, type PreferenceExample, type PromptExample, type TokenizedExample } from './types.js';

/** Padding options plus the id to pad `inputIds` with (see `padIdOf(tokenizer)`). */
export interface CollateOptions extends PaddingOptions {
  padTokenId: number;
}

/** A language-modelling batch as rows. */
export interface CompletionRows {
  inputIds: number[][];
  attentionMask: number[][];
  completionMask: number[][];
  /** `IGNORE_INDEX` on padding and on tokens without loss. */
  labels: number[][];
}

/** A language-modelling batch: every tensor int64 `[B, T]`. */
export interface CompletionBatch {
  inputIds: Tensor;
  attentionMask: Tensor;
  completionMask: Tensor;
  labels: Tensor;
}

/** A preference batch: rows = [prompt + chosen_i..., prompt + rejected_i...], int64 `[2B, T]`. */
export interface PreferenceBatch {
  inputIds: Tensor;
  attentionMask: Tensor;
  /** 1 on the chosen/rejected tokens. */
  completionMask: Tensor;
  /** float32 `[B]`, present when every example has a margin. */
  margins?: Tensor;
}

/** Prompts for generation: int64 `[B, T]`, left-padded by default. */
export interface PromptBatch {
  inputIds: Tensor;
  attentionMask: Tensor;
}

function nonEmpty(n: number, what: string): void {
  if (n === 0) throw new Error(`cannot collate an empty batch of ${what}`);
}

const int64 = (rows: number[][]): Tensor => tensor(rows, { dtype: 'int64' });

/**
 * Pads SFT, conversation, stepwise or teacher/student examples.
 *
 * ```ts
 * collateCompletionRows([ex1, ex2], { padTokenId: 3 }).labels; // -100 on padding and prompts
 * ```
 */
export function collateCompletionRows(examples: readonly TokenizedExample[], options: CollateOptions): CompletionRows {
  nonEmpty(examples.length, 'examples');
  const side = options.paddingSide ?? 'right';
  const length = paddedLength(examples.map((e) => e.inputIds), options.padToMultipleOf);
  return {
    inputIds: padTo(examples.map((e) => e.inputIds), length, options.padTokenId, side),
    attentionMask: padTo(examples.map((e) => e.inputIds.map(() => 1)), length, 0, side),
    completionMask: padTo(examples.map((e) => e.completionMask), length, 0, side),
    labels: padTo(examples.map((e) => e.labels), length, IGNORE_INDEX, side),
  };
}

/** `collateCompletionRows` as int64 tensors. */
export function collateCompletions(examples: readonly TokenizedExample[], options: CollateOptions): CompletionBatch {
  const rows = collateCompletionRows(examples, options);
  return {
    inputIds: int64(rows.inputIds),
    attentionMask: int64(rows.attentionMask),
    completionMask: int64(rows.completionMask),
    labels: int64(rows.labels),
  };
}

/** Prompt + completion sequences as right-padded rows (by default) with a mask of the completion tokens. */
export interface PromptCompletionRows {
  inputIds: number[][];
  attentionMask: number[][];
  completionMask: number[][];
}

/**
 * Concatenates each (prompt, completion) and pads the rows, as TRL's preference collators.
 *
 * ```ts
 * promptCompletionRows([[[1, 2], [3]], [[4], [5, 6]]], { padTokenId: 0 }).completionMask; // [[0, 0, 1], [0, 1, 1]]
 * ```
 */
export function promptCompletionRows(sequences: readonly (readonly [readonly number[], readonly number[]])[], options: CollateOptions): PromptCompletionRows {
  nonEmpty(sequences.length, 'sequences');
  const side = options.paddingSide ?? 'right';
  const ids = sequences.map(([p, c]) => [...p, ...c]);
  const length = paddedLength(ids, options.padToMultipleOf);
  return {
    inputIds: padTo(ids, length, options.padTokenId, side),
    attentionMask: padTo(ids.map((r) => r.map(() => 1)), length, 0, side),
    completionMask: padTo(sequences.map(([p, c]) => [...p.map(() => 0), ...c.map(() => 1)]), length, 0, side),
  };
}

/** `promptCompletionRows` as int64 tensors `[N, T]`. */
export function collatePromptCompletions(sequences: readonly (readonly [readonly number[], readonly number[]])[], options: CollateOptions): PreferenceBatch {
  const rows = promptCompletionRows(sequences, options);
  return { inputIds: int64(rows.inputIds), attentionMask: int64(rows.attentionMask), completionMask: int64(rows.completionMask) };
}

/** A preference batch as rows (TRL DataCollatorForPreference layout). */
export interface PreferenceRows {
  inputIds: number[][];
  attentionMask: number[][];
  completionMask: number[][];
  margins?: number[];
}

/**
 * Concatenates prompt + chosen and prompt + rejected, chosen rows first, as TRL's
 * DataCollatorForPreference, so one forward pass scores both halves.
 */
export function collatePreferenceRows(examples: readonly PreferenceExample[], options: CollateOptions): PreferenceRows {
  nonEmpty(examples.length, 'preference pairs');
  const sequences = [...examples.map((e) => [e.promptIds, e.chosenIds]), ...examples.map((e) => [e.promptIds, e.rejectedIds])] as [number[], number[]][];
  const rows: PreferenceRows = promptCompletionRows(sequences, options);
  const margins = examples.map((e) => e.margin);
  if (margins.every((m): m is number => m !== undefined)) rows.margins = margins;
  return rows;
}

/** `collatePreferenceRows` as int64 tensors (margins float32). */
export function collatePreference(examples: readonly PreferenceExample[], options: CollateOptions): PreferenceBatch {
  const rows = collatePreferenceRows(examples, options);
  const batch: PreferenceBatch = {
    inputIds: int64(rows.inputIds),
    attentionMask: int64(rows.attentionMask),
    completionMask: int64(rows.completionMask),
  };
  if (rows.margins) batch.margins = tensor(rows.margins, { dtype: 'float32' });
  return batch;
}

/** Prompt rows; left padding by default so generation continues every row at the same column. */
export function collatePromptRows(examples: readonly PromptExample[], options: CollateOptions): { inputIds: number[][]; attentionMask: number[][] } {
  nonEmpty(examples.length, 'prompts');
  const side = options.paddingSide ?? 'left';
  const length = paddedLength(examples.map((e) => e.inputIds), options.padToMultipleOf);
  return {
    inputIds: padTo(examples.map((e) => e.inputIds), length, options.padTokenId, side),
    attentionMask: padTo(examples.map((e) => e.inputIds.map(() => 1)), length, 0, side),
  };
}

/** `collatePromptRows` as int64 tensors. */
export function collatePrompts(examples: readonly PromptExample[], options: CollateOptions): PromptBatch {
  const rows = collatePromptRows(examples, options);
  return { inputIds: int64(rows.inputIds), attentionMask: int64(rows.attentionMask) };
}
