/**
 * Converters for local copies of public datasets whose columns differ from our formats.
 * Each is a row validator like those in ../formats, producing one record kind.
 *
 * ```ts
 * const { records } = await loadDataset('hh-rlhf/train.jsonl', { format: 'preference', converter: 'hh-rlhf' });
 * ```
 */
import type { RecordParser } from '../formats/index.js';
import type { DataKind } from '../records.js';
import { convertAlpacaChinese, convertBelle } from './alpaca.js';
import { convertHhRlhf } from './hh-rlhf.js';
import { convertMoss } from './moss.js';

export { convertAlpaca, convertAlpacaChinese, convertBelle } from './alpaca.js';
export { convertHhRlhf, parseTranscript } from './hh-rlhf.js';
export { convertMoss } from './moss.js';

export type ConverterName = 'hh-rlhf' | 'belle' | 'alpaca-chinese' | 'moss';

/** Each converter and the record kind it produces. */
export const CONVERTERS: { readonly [N in ConverterName]: { kind: DataKind; convert: RecordParser } } = {
  'hh-rlhf': { kind: 'preference', convert: convertHhRlhf },
  belle: { kind: 'sft', convert: convertBelle },
  'alpaca-chinese': { kind: 'sft', convert: convertAlpacaChinese },
  moss: { kind: 'conversation', convert: convertMoss },
};
