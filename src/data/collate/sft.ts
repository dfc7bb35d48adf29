/**
 * SFT, prompt-only and teacher/student records to token ids, with TRL SFTTrainer's
 * prompt-completion semantics: loss only on the completion.
 */
import type { ChatMessage, TextTokenizer } from '../../tokenizers/index.js';
import type { PromptRecord, SftRecord, TeacherStudentRecord } from '../records.js';
import { asMessages, renderPromptCompletion, requireEos } from './chat.js';
import { promptCompletionExample } from './example.js';
import { truncatePair, truncatePrompt, validateLimits } from './truncate.js';
import type { PromptExample, TeacherStudentExample, TokenizedExample, TokenizeOptions } from './types.js';

function promptMessages(prompt: string, system: string | undefined): ChatMessage[] {
  return system === undefined ? [{ role: 'user', content: prompt }] : [{ role: 'system', content: system }, { role: 'user', content: prompt }];
}

/** Prompt and completion ids before truncation. */
function promptAndCompletion(tokenizer: TextTokenizer, prompt: string, response: string, system: string | undefined, useChatTemplate: boolean) {
  if (useChatTemplate) {
    return renderPromptCompletion(tokenizer, promptMessages(prompt, system), [{ role: 'assistant', content: response }]);
  }
  // Without a template the system text, if any, simply leads the prompt.
  const text = system === undefined ? prompt : `${system}\n${prompt}`;
  return {
    prompt: tokenizer.encode(text),
    completion: [...tokenizer.encode(response, { addSpecialTokens: false }), requireEos(tokenizer)],
  };
}

/**
 * With the chat template (default): prompt = template(user prompt, addGenerationPrompt) and
 * completion = the rest of template(user + assistant), end-of-turn tokens included. Without:
 * encode(prompt) + encode(response) + eos.
 *
 * ```ts
 * const ex = tokenizeSft(tok, { kind: 'sft', prompt: 'Hi', response: 'Hello' }, { maxLength: 512 });
 * ex.completionMask; // 1 on "Hello<|im_end|>\n"
 * ```
 */
export function tokenizeSft(tokenizer: TextTokenizer, record: SftRecord, options: TokenizeOptions = {}): TokenizedExample {
  validateLimits(options);
  const ids = promptAndCompletion(tokenizer, record.prompt, record.response, record.system, options.useChatTemplate ?? true);
  const t = truncatePair(ids.prompt, ids.completion, options);
  return promptCompletionExample(t.prompt, t.completion, t.truncated);
}

/**
 * A prompt for generation: with the template, the conversation plus the generation prompt;
 * without, encode(prompt). `maxPromptLength` keeps the prompt's end.
 */
export function tokenizePrompt(tokenizer: TextTokenizer, record: PromptRecord, options: TokenizeOptions = {}): PromptExample {
  validateLimits(options);
  const useTemplate = (options.useChatTemplate ?? true) || typeof record.prompt !== 'string';
  const ids = useTemplate
    ? tokenizer.applyChatTemplate(asMessages(record.prompt, 'user'), { addGenerationPrompt: true, tokenize: true })
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
