/**
 * HF's input_ids and attention_mask for a decoding batch, preallocated to prompt + maxNewTokens
 * columns and filled in place: a step writes one column instead of concatenating (B, L)
 * tensors, and the next position ids are the last ones plus one instead of a cumsum over the
 * whole mask (every new column is real, so the two agree).
 *
 * ```ts
 * const buffers = new SequenceBuffers(leftPad(prompts, pad), maxNewTokens, pad, 'cpu');
 * buffers.sequences();            // (B, L) view of the tokens so far
 * buffers.append(nextTokens);     // writes column L, mask 1, positions + 1
 * ```
 */
import { full, keep, tensor, zeros, type Device, type Tensor } from '../tensor/index.js';
import { positionIdsFromMask, type PaddedBatch } from './padding.js';

export class SequenceBuffers {
  /** (B, capacity) int64: prompt, then the tokens fed so far, then padding. */
  private readonly tokens: Tensor;
  /** (B, capacity) int64: 1 over real prompt tokens and every new column. */
  private readonly mask: Tensor;
  /** (B, 1) int64: the position id of the next column. */
  private readonly nextPosition: Tensor;
  private filled: number;

  constructor(padded: PaddedBatch, maxNewTokens: number, filler: number, device: Device) {
    const rows = padded.inputIds.length;
    const promptLength = padded.inputIds[0]?.length ?? 0;
    const capacity = promptLength + maxNewTokens;
    const promptMask = tensor(padded.attentionMask, { dtype: 'int64', device });
    this.tokens = keep(full([rows, capacity], filler, { dtype: 'int64', device }));
    this.mask = keep(zeros([rows, capacity], { dtype: 'int64', device }));
    this.tokens.narrow(1, 0, promptLength).copy_(tensor(padded.inputIds, { dtype: 'int64', device }));
    this.mask.narrow(1, 0, promptLength).copy_(promptMask);
    this.nextPosition = keep(positionIdsFromMask(promptMask).narrow(1, promptLength - 1, 1).add(1));
    this.filled = promptLength;
  }

  get length(): number {
    return this.filled;
  }

  /** Every token so far (B, L), a view. */
  sequences(): Tensor {
    return this.tokens.narrow(1, 0, this.filled);
  }

  /** The attention mask over every column so far (B, L), a view. */
  attentionMask(): Tensor {
    return this.mask.narrow(1, 0, this.filled);
  }

  /** The newest column (B, 1) and its position ids (B, 1): what a cached step feeds. */
  lastColumn(): { inputIds: Tensor; positionIds: Tensor } {
    return { inputIds: this.tokens.narrow(1, this.filled - 1, 1).contiguous(), positionIds: this.nextPosition.sub(1) };
  }

  /** Writes `column` (B) int64 as the next column, real in the mask, one position further. */
  append(column: Tensor): void {
    if (this.filled >= this.tokens.size(1)) throw new RangeError(`SequenceBuffers: all ${this.tokens.size(1)} columns are filled`);
    this.tokens.narrow(1, this.filled, 1).copy_(column.view(-1, 1));
    this.mask.narrow(1, this.filled, 1).fill_(1);
    this.nextPosition.add_(1);
    this.filled += 1;
  }

  dispose(): void {
    this.tokens.dispose();
    this.mask.dispose();
    this.nextPosition.dispose();
  }
}
