/**
 * SFT, prompt-only and teacher/student records to token ids, with TRL SFTTrainer's semantics:
 * prompt/completion records take loss on the completion only, language-modelling records
 * (`text`, `messages`) on the whole sequence (the assistant turns for `messages`).
 */
import type { ChatMessage, TextTokenizer } from '../../tokenizers/index.js';
import type { PromptRecord, SftRecord, TeacherStudentRecord } from '../records.js';
import { asMessages, renderPromptCompletion } from './chat.js';
import { tokenizeConversation } from './conversation.js';
import { promptCompletionExample } from './example.js';
import { encodePromptCompletion, isConversational, usesChatTemplate, withEos } from './plain-text.js';
import { truncatePair, truncatePrompt, validateLimits } from './truncate.js';
import type { ChatTemplateMode, PromptExample, TeacherStudentExample, TokenizedExample, TokenizeOptions } from './types.js';

type PromptCompletion = { prompt: string | ChatMessage[]; response: string | ChatMessage[]; system?: string | undefined };

function promptMessages(prompt: string | readonly ChatMessage[], system: string | undefined): ChatMessage[] {
  const messages = asMessages(prompt, 'user');
  return system === undefined ? messages : [{ role: 'system', content: system }, ...messages];
}

/** Prompt and completion ids before truncation. */
function promptAndCompletion(tokenizer: TextTokenizer, record: PromptCompletion, mode: ChatTemplateMode | undefined) {
  const { prompt, response, system } = record;
  if (usesChatTemplate(mode, isConversational(prompt) || isConversational(response))) {
    return renderPromptCompletion(tokenizer, promptMessages(prompt, system), asMessages(response, 'assistant'));
  }
  // Plain text: the system text, if any, simply leads the prompt. TRL trains on the whole
  // encode(prompt + completion + eos), the first len(encode(prompt)) tokens masked.
  const text = system === undefined ? (prompt as string) : `${system}\n${prompt as string}`;
  const ids = encodePromptCompletion(tokenizer, text, response as string);
  const n = Math.min(ids.prompt.length, ids.full.length);
  return { prompt: ids.full.slice(0, n), completion: ids.full.slice(n) };
}

/**
 * A language-modelling row: `text` is encode(text + eos) with loss on every token; `messages`
 * is the conversation through the template with loss on the assistant turns.
 */
function tokenizeLanguageModeling(tokenizer: TextTokenizer, body: string | ChatMessage[], options: TokenizeOptions): TokenizedExample {
  if (isConversational(body)) {
    usesChatTemplate(options.chatTemplate, true); // refuses 'never'
    return tokenizeConversation(tokenizer, { kind: 'conversation', messages: body }, options);
  }
  const t = truncatePair([], tokenizer.encode(withEos(tokenizer, body)), { ...options, maxPromptLength: undefined });
  return promptCompletionExample(t.prompt, t.completion, t.truncated);
}

/**
 * Conversational records, or any record under chatTemplate 'always': prompt =
 * template(prompt, addGenerationPrompt) and completion = the rest of template(prompt +
 * completion), end-of-turn tokens included. Plain strings under 'auto'/'never' (TRL):
 * encode(prompt + completion + eos), loss after the encode(prompt) tokens.
 *
 * ```ts
 * const ex = tokenizeSft(tok, { kind: 'sft', prompt: 'Hi', response: ' Hello' }, { maxLength: 512 });
 * ex.completionMask; // 1 on " Hello<eos>"
 * ```
 */
export function tokenizeSft(tokenizer: TextTokenizer, record: SftRecord, options: TokenizeOptions = {}): TokenizedExample {
  validateLimits(options);
  if (record.prompt === null) return tokenizeLanguageModeling(tokenizer, record.response, options);
  const ids = promptAndCompletion(tokenizer, { prompt: record.prompt, response: record.response, system: record.system }, options.chatTemplate);
  const t = truncatePair(ids.prompt, ids.completion, options);
  return promptCompletionExample(t.prompt, t.completion, t.truncated);
}

/**
 * A prompt for generation: conversational prompts (and plain ones under 'always') are the
 * conversation plus the generation prompt; plain ones are encode(prompt), as TRL's GRPOTrainer
 * does. `maxPromptLength` keeps the prompt's end.
 */
export function tokenizePrompt(tokenizer: TextTokenizer, record: PromptRecord, options: TokenizeOptions & { tools?: readonly unknown[] } = {}): PromptExample {
  validateLimits(options);
  const ids = usesChatTemplate(options.chatTemplate, isConversational(record.prompt))
    ? tokenizer.applyChatTemplate(asMessages(record.prompt, 'user'), { addGenerationPrompt: true, tokenize: true, ...(options.tools === undefined ? {} : { tools: options.tools }) })
    : tokenizer.encode(record.prompt as string);
  const t = truncatePrompt(ids, options.maxPromptLength ?? options.maxLength);
  return { inputIds: t.ids, truncated: t.truncated };
}

/** The teacher's and (when present) the student's response, each tokenized like an SFT record. */
export function tokenizeTeacherStudent(tokenizer: TextTokenizer, record: TeacherStudentRecord, options: TokenizeOptions = {}): TeacherStudentExample {
  const teacher = tokenizeSft(tokenizer, { kind: 'sft', prompt: record.prompt, response: record.teacherResponse }, options);
  if (record.studentResponse === undefined) return { teacher };
  const student = tokenizeSft(tokenizer, { kind: 'sft', prompt: record.prompt, response: record.studentResponse }, options);
  return { teacher, student };
}
