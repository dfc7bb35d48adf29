/**
 * A padded batch as the int64 tensors a model's forward takes.
 *
 * ```ts
 * const { inputIds, attentionMask } = batchToTensors(tok.encodeBatch(['hi', 'hello there']));
 * inputIds.shape; // [2, T]
 * ```
 */
import { tensor, type Device, type Tensor } from '../tensor/index.js';
import type { BatchEncoding } from './types.js';

export interface BatchTensors {
  /** (B, T) int64 */
  inputIds: Tensor;
  /** (B, T) int64, 1 on real tokens and 0 on padding */
  attentionMask: Tensor;
  /** (B, T) int64 segment ids, when the batch has them (encodeBatchWithTypes). */
  tokenTypeIds?: Tensor;
}

/** Throws for an empty batch or rows of different lengths (encode with padding first). */
export function batchToTensors(batch: BatchEncoding, options: { device?: Device } = {}): BatchTensors {
  const rows = batch.inputIds.length;
  if (rows === 0) throw new RangeError('batchToTensors: the batch is empty');
  const width = batch.inputIds[0]?.length ?? 0;
  const ragged = batch.inputIds.findIndex((r) => r.length !== width);
  if (ragged >= 0) {
    throw new RangeError(
      `batchToTensors: row ${ragged} has ${batch.inputIds[ragged]?.length} tokens but row 0 has ${width}; encode with padding 'longest' or 'maxLength'`,
    );
  }
  if (batch.attentionMask.length !== rows || batch.attentionMask.some((r) => r.length !== width)) {
    throw new RangeError('batchToTensors: attentionMask does not have the shape of inputIds');
  }
  const toInt64 = (m: number[][]): Tensor =>
    tensor(BigInt64Array.from(m.flat(), (v) => BigInt(v)), { dtype: 'int64', shape: [rows, width], ...options });
  const types = (batch as { tokenTypeIds?: number[][] }).tokenTypeIds;
  if (types !== undefined && (types.length !== rows || types.some((r) => r.length !== width))) {
    throw new RangeError('batchToTensors: tokenTypeIds does not have the shape of inputIds');
  }
  return { inputIds: toInt64(batch.inputIds), attentionMask: toInt64(batch.attentionMask), ...(types === undefined ? {} : { tokenTypeIds: toInt64(types) }) };
}
