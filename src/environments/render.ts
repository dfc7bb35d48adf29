/**
 * The tokens an environment inserts after an assistant turn: its messages as the chat template
 * renders them, then the next assistant header. As TRL's `_get_tool_suffix_ids`: render a
 * minimal conversation ending with an assistant turn, and the same conversation plus the
 * messages with the generation prompt; cut the first at its last EOS (the model wrote that
 * token itself) and take the rest of the second. For Qwen2.5, after `…</tool_call><|im_end|>`:
 * `\n<|im_start|>user\n<tool_response>\n408\n</tool_response><|im_end|>\n<|im_start|>assistant\n`.
 *
 * ```ts
 * environmentSuffixIds(tokenizer, [{ role: 'tool', name: 'calculator', content: '408' }]);
 * ```
 */
import type { ChatMessage, ChatTemplateOptions, TextTokenizer } from '../tokenizers/index.js';

/** The assistant turn the environment's messages follow: a tool call to the first tool message's tool, else plain text. */
function dummyConversation(messages: readonly ChatMessage[]): ChatMessage[] {
  const first = messages[0] as ChatMessage;
  const assistant: ChatMessage = first.role === 'tool'
    ? { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: String(first['name'] ?? 'tool'), arguments: {} } }] }
    : { role: 'assistant', content: 'dummy' };
  return [{ role: 'user', content: 'dummy' }, assistant];
}

export function environmentSuffixIds(tokenizer: TextTokenizer, messages: readonly ChatMessage[], options: Pick<ChatTemplateOptions, 'chatTemplate' | 'templateVars'> = {}): number[] {
  if (messages.length === 0) throw new Error('environmentSuffixIds: no messages to render');
  const dummy = dummyConversation(messages);
  let prefix = tokenizer.applyChatTemplate(dummy, { ...options, tokenize: true });
  const full = tokenizer.applyChatTemplate([...dummy, ...messages], { ...options, addGenerationPrompt: true, tokenize: true });
  const eos = tokenizer.eosTokenId;
  const lastEos = eos === null ? -1 : prefix.lastIndexOf(eos);
  if (lastEos >= 0) prefix = prefix.slice(0, lastEos + 1);
  if (prefix.some((id, i) => full[i] !== id)) {
    throw new Error('the chat template renders an assistant turn followed by the environment\'s messages with a different start than the turn alone; it cannot append environment messages to an episode');
  }
  return full.slice(prefix.length);
}
