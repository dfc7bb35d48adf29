/**
 * Preference pairs as unpaired examples, as TRL's `unpair_preference_dataset`: each pair gives
 * its chosen answer labelled desirable and its rejected answer labelled undesirable. TRL maps in
 * batches of 1000 rows (datasets' default), each batch's chosen rows first, then its rejected
 * rows; the same order here, so a run sees TRL's examples in TRL's order.
 *
 * ```ts
 * unpairPreferences([{ kind: 'preference', prompt: 'Sky?', chosen: 'Blue.', rejected: 'Green.' }]);
 * // [{ ..., completion: 'Blue.', label: true }, { ..., completion: 'Green.', label: false }]
 * ```
 */
import { withOrigin } from '../origin.js';
import type { PreferenceRecord, UnpairedPreferenceRecord } from '../records.js';

/** Rows per batch of TRL's `dataset.map(_unpair_row, batched=True)`. */
export const UNPAIR_BATCH_ROWS = 1000;

/** Unpairs `pairs`; each example keeps its pair's file:line. */
export function unpairPreferences(pairs: readonly PreferenceRecord[]): UnpairedPreferenceRecord[] {
  const out: UnpairedPreferenceRecord[] = [];
  for (let start = 0; start < pairs.length; start += UNPAIR_BATCH_ROWS) {
    const batch = pairs.slice(start, start + UNPAIR_BATCH_ROWS);
    for (const label of [true, false]) {
      for (const p of batch) {
        out.push(withOrigin(p, { kind: 'unpaired_preference', prompt: p.prompt, completion: label ? p.chosen : p.rejected, label }));
      }
    }
  }
  return out;
}
