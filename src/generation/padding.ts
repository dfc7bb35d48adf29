/**
 * Left padding for a batch of prompts, and the position ids HF derives from the attention
 * mask, so that every row's first real token sits at position 0 whatever its padding.
 *
 * ```ts
 * leftPad([[5, 6, 7], [8]], 0);
 * // { inputIds: [[5, 6, 7], [0, 0, 8]], attentionMask: [[1, 1, 1], [0, 0, 1]] }
 * positionIdsFromMask(tensor([[0, 0, 1, 1]])).toArray(); // [[0, 0, 0, 1]]
 * ```
 */
import type { Tensor } from '../tensor/index.js';

export interface PaddedBatch {
  /** (B, L) with L the longest prompt; shorter rows start with padTokenId. */
  inputIds: number[][];
  /** (B, L): 0 over the padding, 1 over the prompt. */
  attentionMask: number[][];
}

/** Pads every prompt on the left to the longest one's length. */
export function leftPad(prompts: readonly (readonly number[])[], padTokenId: number): PaddedBatch {
  const length = Math.max(...prompts.map((p) => p.length));
  const inputIds: number[][] = [];
  const attentionMask: number[][] = [];
  for (const p of prompts) {
    const pad = length - p.length;
    inputIds.push([...new Array<number>(pad).fill(padTokenId), ...p]);
    attentionMask.push([...new Array<number>(pad).fill(0), ...new Array<number>(p.length).fill(1)]);
  }
  return { inputIds, attentionMask };
}

/**
 * HF's _prepare_position_ids_for_generation: position_ids = attention_mask.cumsum(-1) - 1, then
 * masked_fill(attention_mask == 0, 0), so each row's first real token is at 0. (B, L) int64
 * from a (B, L) 0/1 mask.
 *
 * Padding gets 0 as in transformers 5 (the version of the project's reference fixtures);
 * transformers 4 wrote 1 there. Either is only a valid index: padded positions are masked out,
 * so no real token's output depends on it.
 */
export function positionIdsFromMask(attentionMask: Tensor): Tensor {
  return attentionMask.cumsum(-1, 'int64').sub(1).maskedFill(attentionMask.eq(0), 0);
}
