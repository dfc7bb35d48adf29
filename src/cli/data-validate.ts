/**
 * `rlhf data validate FILE --format KIND`: every format error with its file:line, then counts,
 * empty fields, duplicates and the length distribution of prompts and responses.
 */
import { parseArgs } from 'node:util';
import { CONVERTERS, type ConverterName } from '../data/converters/index.js';
import { loadDataset } from '../data/load.js';
import { DATA_KINDS, type DataKind, type DataRecord } from '../data/records.js';
import type { ChatMessage } from '../tokenizers/index.js';

export const VALIDATE_USAGE = `validate FILE --format ${DATA_KINDS.join('|')} [--converter ${Object.keys(CONVERTERS).join('|')}]`;

const text = (v: string | ChatMessage[]): string => (typeof v === 'string' ? v : v.map((m) => m.content).join('\n'));

/** The prompt and response text of a record, for length statistics. */
function promptAndResponse(r: DataRecord): [string, string] {
  switch (r.kind) {
    case 'sft':
      return [r.prompt === null ? '' : text(r.prompt), text(r.response)];
    case 'conversation':
      return [text(r.messages.filter((m) => m.role !== 'assistant')), text(r.messages.filter((m) => m.role === 'assistant'))];
    case 'preference':
      return [text(r.prompt), text(r.chosen)];
    case 'unpaired_preference':
      return [text(r.prompt), text(r.completion)];
    case 'prompt':
      return [text(r.prompt), r.reference ?? ''];
    case 'stepwise':
      return [r.prompt, r.completions.join('\n')];
    case 'teacher_student':
      return [r.prompt, r.teacherResponse];
    case 'latent':
      return ['', ''];
    case 'text':
      return ['', r.text];
    case 'pair':
      return [r.anchor, r.positive];
    default: {
      const never: never = r;
      return never;
    }
  }
}

function distribution(lengths: number[]): string {
  if (lengths.length === 0) return '-';
  const s = [...lengths].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  return `min ${s[0]}, median ${q(0.5)}, p90 ${q(0.9)}, max ${s[s.length - 1]}, mean ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(1)}`;
}

export async function runValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' }, converter: { type: 'string' } } });
  const file = positionals[0];
  const format = values.format as DataKind | undefined;
  if (!file || !format) throw new Error(`usage: rlhf data ${VALIDATE_USAGE}`);
  if (!DATA_KINDS.includes(format)) throw new Error(`--format must be one of ${DATA_KINDS.join(', ')}, got '${format}'`);
  const converter = values.converter as ConverterName | undefined;
  const { records, skipped } = await loadDataset(file, { format, onError: 'skip', allowEmpty: true, reportSkipped: null, ...(converter ? { converter } : {}) });
  for (const s of skipped) console.log(`${file}:${s.line}: ${s.message}`);
  const pairs = records.map(promptAndResponse);
  const emptyPrompts = pairs.filter(([p]) => p.trim() === '').length;
  const emptyResponses = pairs.filter(([, r]) => r.trim() === '').length;
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of records) {
    const key = JSON.stringify(r);
    if (seen.has(key)) duplicates++;
    seen.add(key);
  }
  console.log(`${file}: ${records.length} valid ${format} records, ${skipped.length} with errors`);
  if (format !== 'latent') {
    console.log(`  empty prompts ${emptyPrompts}, empty responses ${emptyResponses}, exact duplicates ${duplicates}`);
    console.log(`  prompt chars: ${distribution(pairs.map(([p]) => [...p].length))}`);
    console.log(`  response chars: ${distribution(pairs.map(([, r]) => [...r].length))}`);
  }
  return skipped.length > 0 || emptyResponses > 0 ? 1 : 0;
}
