/**
 * TRL's rule for which records go through the chat template, and its plain-text encoding of
 * standard (string) records: the eos text appended to completions, prompt + completion
 * tokenized as one string and the completion taken as the tokens after the prompt's.
 */
import type { ChatMessage, TextTokenizer } from '../../tokenizers/index.js';
import { CHAT_TEMPLATE_MODES, type ChatTemplateMode } from './types.js';

/** A record field: plain text (TRL "standard") or a message list (TRL "conversational"). */
export type TextOrMessages = string | readonly ChatMessage[];

/** TRL's `is_conversational`: a field holding a list of `{role, content}` messages. */
export function isConversational(value: TextOrMessages | null | undefined): value is readonly ChatMessage[] {
  return Array.isArray(value);
}

/**
 * Whether a record is rendered with the chat template under `mode` (default 'auto'). A
 * conversational record under 'never' is refused: message lists have no plain-text form TRL
 * defines, and joining their contents would silently drop the roles.
 */
export function usesChatTemplate(mode: ChatTemplateMode | undefined, conversational: boolean): boolean {
  const m = mode ?? 'auto';
  if (conversational) {
    if (m === 'never') {
      throw new Error(
        "a conversational record (a list of {role, content} messages) cannot be tokenized with data.chat_template 'never' " +
          "(--chat-template on the command line); set it to 'auto' (or 'always'), or give the record's fields as plain strings",
      );
    }
    return true;
  }
  return m === 'always';
}

/** The tokenizer's eos text, or a clear error for tokenizers without one. */
export function requireEosText(tokenizer: TextTokenizer): string {
  if (tokenizer.eosToken === null) throw new Error('the tokenizer has no eos token; plain-text completions need one to end on');
  return tokenizer.eosToken;
}

/** TRL's `add_eos`: the eos text appended to a plain completion unless it already ends with it. */
export function withEos(tokenizer: TextTokenizer, text: string): string {
  const eos = requireEosText(tokenizer);
  return text.endsWith(eos) ? text : text + eos;
}

/**
 * TRL's plain-text prompt/completion split (DPOTrainer, RewardTrainer, SFTTrainer):
 * prompt = encode(prompt), full = encode(prompt + completion + eos), completion =
 * full[len(prompt):]. Special tokens are added as the tokenizer's post-processor says (BOS for
 * Llama, none for Qwen2), once, at the start of both.
 */
export function encodePromptCompletion(tokenizer: TextTokenizer, prompt: string, completion: string): { prompt: number[]; completion: number[]; full: number[] } {
  const promptIds = tokenizer.encode(prompt);
  const full = tokenizer.encode(prompt + withEos(tokenizer, completion));
  return { prompt: promptIds, completion: full.slice(promptIds.length), full };
}

/** `mode`, or an error when 'always' asks for a template the tokenizer does not have. */
export function checkChatTemplateMode(mode: ChatTemplateMode, tokenizer: { chatTemplate: unknown }): ChatTemplateMode {
  if (mode === 'always' && tokenizer.chatTemplate === null) {
    throw new Error("data.chat_template is 'always' but the tokenizer has no chat template; use 'auto' or 'never', or load a tokenizer with one");
  }
  return mode;
}

/** A `--chat-template` command-line value, checked against the modes. */
export function parseChatTemplateMode(value: string | undefined, flag = '--chat-template'): ChatTemplateMode {
  if (value === undefined) return 'auto';
  const mode = CHAT_TEMPLATE_MODES.find((m) => m === value);
  if (mode === undefined) throw new Error(`${flag} must be one of ${CHAT_TEMPLATE_MODES.join(', ')}, got '${value}'`);
  return mode;
}
