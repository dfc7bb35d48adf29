/**
 * Padding of ragged `number[]` rows to one length, on either side: the pure half of the
 * collators, testable without tensors.
 */
import type { PaddingSide, TextTokenizer } from '../../tokenizers/index.js';

/** How rows are padded. */
export interface PaddingOptions {
  /** Side that receives padding. Default 'right' (training); prompts for generation use 'left'. */
  paddingSide?: PaddingSide;
  /** Round the padded length up to a multiple of this (tensor-core friendly shapes). */
  padToMultipleOf?: number;
}

/** The length every row is padded to: the longest row, rounded up to `padToMultipleOf`. */
export function paddedLength(rows: readonly (readonly number[])[], padToMultipleOf?: number): number {
  const longest = rows.reduce((m, r) => Math.max(m, r.length), 0);
  if (padToMultipleOf === undefined) return longest;
  if (!Number.isInteger(padToMultipleOf) || padToMultipleOf < 1) {
    throw new RangeError(`padToMultipleOf must be a positive integer, got ${padToMultipleOf}`);
  }
  return Math.ceil(longest / padToMultipleOf) * padToMultipleOf;
}

/**
 * Pads each row with `value` to `length` on `side`.
 *
 * ```ts
 * padTo([[1, 2], [3]], 3, 0, 'left'); // [[0, 1, 2], [0, 0, 3]]
 * ```
 */
export function padTo(rows: readonly (readonly number[])[], length: number, value: number, side: PaddingSide): number[][] {
  return rows.map((row) => {
    const fill = new Array<number>(Math.max(0, length - row.length)).fill(value);
    return side === 'left' ? [...fill, ...row] : [...row, ...fill];
  });
}

/** The pad id, falling back to eos as TRL does when the tokenizer defines no pad token. */
export function padIdOf(tokenizer: Pick<TextTokenizer, 'padTokenId' | 'eosTokenId'>): number {
  const id = tokenizer.padTokenId ?? tokenizer.eosTokenId;
  if (id === null) throw new Error('the tokenizer has neither a pad nor an eos token to pad with');
  return id;
}
