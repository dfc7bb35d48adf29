/**
 * One model's generations on a set of prompts, read from JSONL (or JSON / Parquet): records with
 * a `prompt` (text, or chat messages as `rlhf generate --chat` writes them) and the reply in
 * `response`, `completion` (what `rlhf generate` writes) or `output`.
 *
 * ```ts
 * const gens = await readGenerations('outputs/dpo.jsonl');  // [{ prompt, response, line }]
 * ```
 */
import { readRows } from '../data/readers/index.js';
import { DataError } from '../data/errors.js';
import type { Prompt } from './task.js';

/** One prompt and the model's reply to it. */
export interface Generation {
  prompt: Prompt;
  response: string;
  /** 1-based line in the file, for messages. */
  line: number;
}

/** The fields a reply may be in, tried in this order. */
export const RESPONSE_FIELDS = ['response', 'completion', 'output'] as const;

export async function readGenerations(file: string): Promise<Generation[]> {
  const out: Generation[] = [];
  for await (const row of readRows(file)) {
    if (row.error) throw row.error;
    out.push(parseGeneration(row.value, row.source));
  }
  if (out.length === 0) throw new DataError({ file }, 'no generations in the file');
  return out;
}

function parseGeneration(value: unknown, source: { file: string; line: number }): Generation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataError(source, 'expected a JSON object');
  const record = value as Record<string, unknown>;
  const prompt = record.prompt;
  if (!isPrompt(prompt)) throw new DataError(source, "field 'prompt' must be a string or an array of {role, content} messages", 'prompt');
  const field = RESPONSE_FIELDS.find((f) => typeof record[f] === 'string');
  if (field === undefined) throw new DataError(source, `no reply: expected a string in one of ${RESPONSE_FIELDS.join(', ')}`);
  return { prompt, response: record[field] as string, line: source.line };
}

function isPrompt(value: unknown): value is Prompt {
  if (typeof value === 'string') return true;
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((m) => typeof m === 'object' && m !== null && typeof (m as { role?: unknown }).role === 'string' && typeof (m as { content?: unknown }).content === 'string')
  );
}
