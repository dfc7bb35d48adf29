/**
 * `rlhf score --model DIR --data FILE`: scores responses (prompt/response records) or pairs
 * (prompt/chosen/rejected) with a reward model; JSONL out, summary on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadDataset, parseChatTemplateMode } from '../data/index.js';
import { SequenceScoreModel } from '../models/index.js';
import { Tokenizer } from '../tokenizers/index.js';
import { scorePairs, scoreResponses } from '../scoring/index.js';

export const SCORE_USAGE = `rlhf score --model DIR --data FILE [--tokenizer DIR] [--format auto|sft|preference] [--out FILE.jsonl]
    [--batch-size N] [--max-length N] [--chat-template auto|always|never]
  Responses (prompt/response) get one reward each; pairs (prompt/chosen/rejected) get both
  rewards, and the accuracy (chosen > rejected) and mean margin are printed. Plain strings are
  scored as plain text, message lists through the chat template (auto, TRL's rule, as training).`;

/** 'preference' when the first JSONL record has chosen and rejected, else 'sft'. */
function detectFormat(path: string): 'sft' | 'preference' {
  if (!/\.jsonl$/i.test(path)) return 'sft';
  const first = readFileSync(path, 'utf8').split('\n').find((l) => l.trim() !== '');
  if (first === undefined) return 'sft';
  try {
    const row = JSON.parse(first) as Record<string, unknown>;
    return 'chosen' in row && 'rejected' in row ? 'preference' : 'sft';
  } catch {
    return 'sft'; // the loader reports the bad line with file:line
  }
}

export async function runScore(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { model: { type: 'string' }, tokenizer: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, 'batch-size': { type: 'string' }, 'max-length': { type: 'string' }, 'chat-template': { type: 'string' } },
    strict: true,
  });
  if (!values.model || !values.data) throw new Error(`--model and --data are required\n${SCORE_USAGE}`);
  const format = values.format === undefined || values.format === 'auto' ? detectFormat(values.data) : values.format;
  if (format !== 'sft' && format !== 'preference') throw new Error(`--format must be auto, sft or preference, got '${values.format}'`);
  const options = {
    batchSize: Number(values['batch-size'] ?? 8),
    ...(values['max-length'] ? { maxLength: Number(values['max-length']) } : {}),
    chatTemplate: parseChatTemplateMode(values['chat-template']),
  };
  const model = SequenceScoreModel.fromPretrained(values.model);
  const tokenizer = Tokenizer.fromPretrained(values.tokenizer ?? values.model);
  const lines: string[] = [];
  if (format === 'preference') {
    const { records } = await loadDataset(values.data, { format: 'preference' });
    const s = scorePairs(model, tokenizer, records, options);
    records.forEach((r, i) => lines.push(JSON.stringify({ prompt: r.prompt, chosen_score: s.chosen[i], rejected_score: s.rejected[i], correct: (s.chosen[i] as number) > (s.rejected[i] as number) })));
    console.log(`score: ${records.length} pairs, accuracy ${s.accuracy.toFixed(4)}, mean margin ${s.margin.toFixed(4)}`);
  } else {
    const { records } = await loadDataset(values.data, { format: 'sft' });
    const scores = scoreResponses(model, tokenizer, records, options);
    records.forEach((r, i) => lines.push(JSON.stringify({ prompt: r.prompt, response: r.response, score: scores[i] })));
    const mean = scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
    console.log(`score: ${records.length} responses, mean reward ${mean.toFixed(4)}`);
  }
  if (values.out) writeFileSync(values.out, `${lines.join('\n')}\n`);
  else if (lines.length <= 20) for (const l of lines) console.log(l);
  model.dispose();
  return 0;
}
