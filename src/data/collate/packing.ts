/**
 * SFT packing: whole examples placed into rows of `maxLength` tokens by best-fit decreasing
 * (TRL's "bfd" strategy), position ids restarting at 0 for each example, so the model keeps
 * attention inside each example (block-diagonal) and no padding is wasted on short examples.
 *
 * ```ts
 * const rows = packExamples(examples, 512);
 * const batch = collatePacked(rows.slice(0, 4), { padTokenId });
 * model.forward({ inputIds: batch.inputIds, positionIds: batch.positionIds });
 * ```
 */
import { tensor, type Tensor } from '../../tensor/index.js';
import { IGNORE_INDEX, type TokenizedExample } from './types.js';

export interface PackedRow {
  inputIds: number[];
  labels: number[];
  positionIds: number[];
  /** How many examples share this row. */
  numExamples: number;
}

/**
 * Best-fit decreasing: longest example first, into the fullest row it still fits. Examples are
 * never split (each is already truncated to at most maxLength). The first token of every
 * example gets label -100, so no example learns to predict across a boundary.
 */
export function packExamples(examples: readonly TokenizedExample[], maxLength: number): PackedRow[] {
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`packExamples: maxLength (${maxLength}) must be a positive integer`);
  const order = examples.map((e, i) => [e.inputIds.length, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const rows: PackedRow[] = [];
  for (const [length, index] of order) {
    if (length > maxLength) throw new RangeError(`packExamples: example ${index} has ${length} tokens, more than maxLength ${maxLength}; truncate first`);
    const e = examples[index] as TokenizedExample;
    let best: PackedRow | undefined;
    for (const row of rows) {
      const room = maxLength - row.inputIds.length;
      if (room >= length && (best === undefined || row.inputIds.length > best.inputIds.length)) best = row;
    }
    if (best === undefined) {
      best = { inputIds: [], labels: [], positionIds: [], numExamples: 0 };
      rows.push(best);
    }
    best.inputIds.push(...e.inputIds);
    best.labels.push(IGNORE_INDEX, ...e.labels.slice(1));
    best.positionIds.push(...e.inputIds.map((_, t) => t));
    best.numExamples += 1;
  }
  return rows;
}

/** Right-pads packed rows; the padding is one more sequence (positions from 0, labels -100). */
export function collatePacked(rows: readonly PackedRow[], options: { padTokenId: number }): { inputIds: Tensor; labels: Tensor; positionIds: Tensor } {
  const T = Math.max(...rows.map((r) => r.inputIds.length));
  const pad = (row: PackedRow) => T - row.inputIds.length;
  return {
    inputIds: tensor(rows.map((r) => [...r.inputIds, ...Array<number>(pad(r)).fill(options.padTokenId)]), { dtype: 'int64' }),
    labels: tensor(rows.map((r) => [...r.labels, ...Array<number>(pad(r)).fill(IGNORE_INDEX)]), { dtype: 'int64' }),
    positionIds: tensor(rows.map((r) => [...r.positionIds, ...Array.from({ length: pad(r) }, (_, t) => t)]), { dtype: 'int64' }),
  };
}
