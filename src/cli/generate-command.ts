/**
 * `rlhf generate --model DIR --prompt "..."`: completions for prompts given on the command line
 * or in a file (one per line, or JSONL with a "prompt" or "messages" field), streamed to the
 * terminal for a single prompt, or written as JSONL with token ids and log-probs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkChatTemplateMode, parseChatTemplateMode, tokenizePrompt } from '../data/index.js';
import { generate } from '../generation/index.js';
import { noGrad } from '../tensor/index.js';
import type { ChatMessage } from '../tokenizers/index.js';
import { generationConfigFrom, openModel, parseDtype, SAMPLING_FLAGS, textStreamer } from './model-session.js';

export const GENERATE_USAGE = `rlhf generate --model DIR (--prompt TEXT ... | --prompts FILE) [--out FILE.jsonl] [--chat | --chat-template auto|always|never]
    [--batch-size N] [--max-new-tokens N] [--do-sample] [--temperature X] [--top-k N] [--top-p X]
    [--repetition-penalty X] [--min-new-tokens N] [--stop TEXT ...] [--seed N] [--dtype float32|bfloat16]
  Plain-text prompts are encoded as text and "messages" prompts go through the chat template
  (--chat-template auto, TRL's rule); --chat (= --chat-template always) wraps plain prompts as a user turn.`;

interface PromptItem {
  /** As given, echoed into the output. */
  prompt: string | ChatMessage[];
  ids: number[];
}

export function runGenerate(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      prompt: { type: 'string', multiple: true },
      prompts: { type: 'string' },
      out: { type: 'string' },
      chat: { type: 'boolean' },
      'chat-template': { type: 'string' },
      'batch-size': { type: 'string' },
      ...SAMPLING_FLAGS,
    },
    strict: true,
  });
  if (!values.model) throw new Error(`--model is required\n${GENERATE_USAGE}`);
  const texts = values.prompt ?? [];
  if (texts.length === 0 && !values.prompts) throw new Error(`give --prompt or --prompts\n${GENERATE_USAGE}`);
  const session = openModel(values.model, parseDtype(values.dtype));
  const { model, tokenizer } = session;
  const config = generationConfigFrom(session.defaults, values);
  if (values.chat === true && values['chat-template'] !== undefined && values['chat-template'] !== 'always') {
    throw new Error(`--chat means --chat-template always; it cannot be combined with --chat-template ${values['chat-template']}`);
  }
  const chatTemplate = checkChatTemplateMode(values.chat === true ? 'always' : parseChatTemplateMode(values['chat-template']), tokenizer);
  const encode = (p: string | ChatMessage[]): number[] => tokenizePrompt(tokenizer, { kind: 'prompt', prompt: p }, { chatTemplate }).inputIds;
  const items: PromptItem[] = [...texts, ...(values.prompts ? readPromptFile(values.prompts) : [])].map((prompt) => ({
    prompt,
    ids: encode(prompt),
  }));
  const batchSize = Number(values['batch-size'] ?? 8);
  const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });
  const streaming = items.length === 1 && !values.out;
  const stream = streaming ? textStreamer((ids) => decode(ids), (s) => process.stdout.write(s)) : undefined;
  const lines: string[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    const batch = items.slice(start, start + batchSize);
    const results = noGrad(() =>
      generate(model, batch.map((b) => b.ids), config, {
        decode,
        onToken: stream ? (_, ids, live) => live[0] && stream(ids[0] as number) : undefined,
      }),
    );
    results.forEach((r, i) => {
      const record = {
        prompt: batch[i]?.prompt,
        completion: r.text ?? decode(r.tokenIds),
        token_ids: r.tokenIds,
        logprobs: r.modelLogprobs,
        finish_reason: r.finishReason,
      };
      lines.push(JSON.stringify(record));
      if (!streaming && !values.out) console.log(`${JSON.stringify(record.prompt)} -> ${JSON.stringify(record.completion)}`);
    });
    if (values.out) process.stderr.write(`generate: ${Math.min(start + batchSize, items.length)}/${items.length} prompts\n`);
  }
  if (streaming) process.stdout.write('\n');
  if (values.out) writeFileSync(values.out, `${lines.join('\n')}\n`);
  model.dispose();
  return 0;
}

/** Plain text: one prompt per line. JSONL: objects with "prompt" (text) or "messages" (chat). */
function readPromptFile(path: string): (string | ChatMessage[])[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const jsonl = path.endsWith('.jsonl');
  const out: (string | ChatMessage[])[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    if (!jsonl) {
      out.push(line);
      return;
    }
    let row: { prompt?: unknown; messages?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch (err) {
      throw new Error(`${path}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof row.prompt === 'string') out.push(row.prompt);
    else if (Array.isArray(row.messages)) out.push(row.messages as ChatMessage[]);
    else throw new Error(`${path}:${i + 1}: expected a "prompt" string or a "messages" array`);
  });
  return out;
}
