/**
 * Padding and truncation of token-id rows: pure functions on number arrays, shared by every
 * tokenizer. Semantics follow transformers' `tokenizer(texts, padding=..., truncation=...)`.
 */
import type { BatchEncoding, PaddingSide, TruncationSide } from './types.js';

export interface PadOptions {
  padTokenId: number;
  side: PaddingSide;
  /** Pad every row to this length; undefined pads to the longest row. */
  length?: number;
  /** Round the target length up to a multiple of this. */
  padToMultipleOf?: number;
}

/**
 * Pads rows to one length with `padTokenId`, with a mask of 1 on real tokens and 0 on pads.
 *
 * ```ts
 * padRows([[5, 6, 7], [8]], { padTokenId: 3, side: 'left' });
 * // { inputIds: [[5, 6, 7], [3, 3, 8]], attentionMask: [[1, 1, 1], [0, 0, 1]] }
 * ```
 */
export function padRows(rows: readonly (readonly number[])[], options: PadOptions): BatchEncoding {
  const longest = rows.reduce((m, r) => Math.max(m, r.length), 0);
  let target = options.length ?? longest;
  if (options.length !== undefined) {
    const tooLong = rows.findIndex((r) => r.length > target);
    if (tooLong >= 0) {
      throw new RangeError(`row ${tooLong} has ${rows[tooLong]?.length} tokens, more than maxLength ${target}; set truncation: true to cut it`);
    }
  }
  const multiple = options.padToMultipleOf;
  if (multiple !== undefined) {
    if (!Number.isInteger(multiple) || multiple <= 0) throw new RangeError(`padToMultipleOf must be a positive integer, got ${multiple}`);
    target = Math.ceil(target / multiple) * multiple;
  }
  const inputIds: number[][] = [];
  const attentionMask: number[][] = [];
  for (const row of rows) {
    const pads = new Array<number>(target - row.length).fill(options.padTokenId);
    const zeros = new Array<number>(target - row.length).fill(0);
    const ones = new Array<number>(row.length).fill(1);
    if (options.side === 'left') {
      inputIds.push([...pads, ...row]);
      attentionMask.push([...zeros, ...ones]);
    } else {
      inputIds.push([...row, ...pads]);
      attentionMask.push([...ones, ...zeros]);
    }
  }
  return { inputIds, attentionMask };
}

/** Rows as they are, with an all-ones mask (no padding). */
export function unpaddedRows(rows: readonly (readonly number[])[]): BatchEncoding {
  return { inputIds: rows.map((r) => [...r]), attentionMask: rows.map((r) => new Array<number>(r.length).fill(1)) };
}

/**
 * Cuts `full` (an encoding with special tokens) to `maxLength` tokens, taking them from the
 * text's own tokens `content` only, so that added specials such as BOS/EOS survive, as in
 * transformers (it truncates before the post-processor adds specials). `content` must appear
 * contiguously in `full`.
 *
 * ```ts
 * truncateKeepingSpecials([1, 10, 11, 12, 2], [10, 11, 12], 4, 'right'); // [1, 10, 11, 2]
 * ```
 */
export function truncateKeepingSpecials(
  full: readonly number[],
  content: readonly number[],
  maxLength: number,
  side: TruncationSide,
): number[] {
  if (full.length <= maxLength) return [...full];
  const start = indexOfRun(full, content);
  if (start < 0) throw new Error('truncation: the text tokens are not contiguous in the encoding with special tokens');
  const specials = full.length - content.length;
  const keep = maxLength - specials;
  if (keep < 0) {
    throw new RangeError(`maxLength ${maxLength} is shorter than the ${specials} special tokens the tokenizer adds`);
  }
  const kept = side === 'right' ? content.slice(0, keep) : content.slice(content.length - keep);
  return [...full.slice(0, start), ...kept, ...full.slice(start + content.length)];
}

function indexOfRun(haystack: readonly number[], needle: readonly number[]): number {
  // Special tokens are few, so the text's run starts within the first few positions.
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let i = 0; i < needle.length; i++) if (haystack[start + i] !== needle[i]) continue outer;
    return start;
  }
  return -1;
}
