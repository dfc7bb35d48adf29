/**
 * Chat templates rendered the way transformers' `apply_chat_template` renders them, with
 * @huggingface/jinja (the Jinja subset written for chat templates; like transformers it
 * compiles with trim_blocks and lstrip_blocks).
 *
 * Template variables, as in transformers: `messages`, `tools` and `documents` (`none` when
 * not given), `add_generation_prompt`, every set named special token (`bos_token`,
 * `eos_token`, `pad_token`, `unk_token`; an unset one stays undefined, so `{{ bos_token }}`
 * renders nothing), the caller's extra variables, and the globals
 * `raise_exception(msg)` and `strftime_now(fmt)`.
 */
import { Template } from '@huggingface/jinja';
import { ChatTemplateError } from './errors.js';
import type { ChatMessage, ChatTemplateOptions, SpecialTokens } from './types.js';

/** A compiled template; compile once per tokenizer and render many times. */
export class ChatTemplate {
  private readonly template: Template;

  /** `origin` names where the source came from, for error messages. */
  constructor(
    readonly source: string,
    readonly origin: string,
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(`chat template from ${origin} does not compile: ${(e as Error).message}`);
    }
  }

  /**
   * Renders a conversation to text.
   *
   * ```ts
   * new ChatTemplate(src, 'tokenizer_config.json').render([{ role: 'user', content: 'Hi' }], special, { addGenerationPrompt: true });
   * ```
   */
  render(messages: readonly ChatMessage[], special: SpecialTokens, options: ChatTemplateOptions = {}): string {
    const { addGenerationPrompt = false, continueFinalMessage = false } = options;
    if (messages.length === 0) throw new ChatTemplateError('cannot apply a chat template to an empty conversation');
    if (addGenerationPrompt && continueFinalMessage) {
      // transformers refuses the pair: one opens a new assistant turn, the other continues the last one.
      throw new ChatTemplateError('continueFinalMessage and addGenerationPrompt cannot both be set: the first continues the last message, the second starts a new assistant turn');
    }
    const field = continueFinalMessage === true ? 'content' : continueFinalMessage || undefined;
    const variables: Record<string, unknown> = {
      ...specialTokenVariables(special),
      ...options.templateVars,
      messages: field === undefined ? messages : this.tagFinalMessage(messages, field),
      tools: options.tools ?? null,
      documents: options.documents ?? null,
      add_generation_prompt: addGenerationPrompt,
    };
    let text: string;
    try {
      text = this.template.render(variables);
    } catch (e) {
      // The library's raise_exception(msg) throws Error(msg): the message is the template's own.
      throw new ChatTemplateError(`chat template from ${this.origin} failed: ${(e as Error).message}`);
    }
    return field === undefined ? text : this.cutAtTag(text, messages, field);
  }

  /**
   * transformers' `continue_final_message`: mark the end of the final message with a tag,
   * render, and cut the text at the tag, so the end-of-turn markup after it goes.
   */
  private tagFinalMessage(messages: readonly ChatMessage[], field: string): ChatMessage[] {
    const last = messages[messages.length - 1] as ChatMessage;
    const value = last[field];
    if (typeof value !== 'string') throw new ChatTemplateError(`continueFinalMessage: the final message has no string "${field}" to continue`);
    if (!this.source.includes(field)) throw new ChatTemplateError(`continueFinalMessage: "${field}" does not appear in the chat template from ${this.origin}`);
    return [...messages.slice(0, -1), { ...last, [field]: value + CONTINUE_TAG }];
  }

  private cutAtTag(text: string, messages: readonly ChatMessage[], field: string): string {
    const final = String(messages[messages.length - 1]?.[field]).trim();
    const at = text.lastIndexOf(CONTINUE_TAG.trim());
    if (at < 0 || !text.includes(final)) {
      throw new ChatTemplateError(`continueFinalMessage: the final message does not appear in the chat rendered by ${this.origin} (the template changes it)`);
    }
    // A template that strips messages also ate the tag's trailing space: then strip the cut too.
    return text.startsWith(CONTINUE_TAG, at) ? text.slice(0, at) : text.slice(0, at).trimEnd();
  }
}

// The marker transformers appends to the final message to find where it ends.
const CONTINUE_TAG = 'CONTINUE_FINAL_MESSAGE_TAG ';

/**
 * Only set tokens become variables, as in transformers 5's `special_tokens_map` (named tokens
 * only; the additional special tokens are not passed).
 */
function specialTokenVariables(special: SpecialTokens): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  if (special.bosToken !== null) vars['bos_token'] = special.bosToken;
  if (special.eosToken !== null) vars['eos_token'] = special.eosToken;
  if (special.unkToken !== null) vars['unk_token'] = special.unkToken;
  if (special.padToken !== null) vars['pad_token'] = special.padToken;
  return vars;
}
