/**
 * Writes examples/models/calc-tiny: the config.json of a small Qwen2 and a character tokenizer
 * over printable ASCII with Qwen2.5's chat markers and tool tags as single tokens, and a chat
 * template that renders tool calls and results as Qwen2.5's does (without its default system
 * prompt, so the tiny model's prompts stay short). The model of the calculator tool-use task
 * (docs/tools.md). No weights: its SFT config starts it with `model.init: from_scratch`.
 *
 *   npx tsc -p tsconfig.json && node dist/examples/models/make-calc-tiny.js [OUT_DIR]
 */
import { characterTokenizerFiles } from '../../src/tokenizers/index.js';
import { taskModelFiles, writeModelFiles } from './make-arith-tiny.js';

/** Printable ASCII and newline: ids 0-94 are ' ' … '~', 95 is '\n'. */
export const CALC_CHARACTERS = `${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}\n`;
/**
 * Chat markers and tool tags, then the frequent strings of the task as single tokens (as a
 * real tokenizer's merges would make them), so a tool call is 12 tokens rather than 65 and a
 * CPU rolls episodes out quickly.
 */
export const CALC_SPECIAL_TOKENS = [
  '<|im_end|>', '<|endoftext|>', '<|im_start|>', '<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>',
  '{"name": "calculator", "arguments": {"expression": "', '"}}', 'assistant', 'user',
] as const;
const EOS_ID = CALC_CHARACTERS.length; // 96: <|im_end|> ends every turn
const PAD_ID = EOS_ID + 1; // 97: <|endoftext|>

/** Qwen2.5's template (TRL's qwen2_5.jinja) less the default system prompt when no tools are given. */
export const CALC_CHAT_TEMPLATE = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- elif messages[0]['role'] == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`;

/** The files of examples/models/calc-tiny, by name. */
export function calcTinyFiles(): Record<string, unknown> {
  const tokenizer = characterTokenizerFiles({ characters: CALC_CHARACTERS, specialTokens: CALC_SPECIAL_TOKENS, eosToken: '<|im_end|>', padToken: '<|endoftext|>', modelMaxLength: 256 });
  tokenizer['tokenizer_config.json']['chat_template'] = CALC_CHAT_TEMPLATE;
  return taskModelFiles(tokenizer, { vocabSize: CALC_CHARACTERS.length + CALC_SPECIAL_TOKENS.length, maxPositionEmbeddings: 256, eosTokenId: EOS_ID, padTokenId: PAD_ID, maxNewTokens: 64 });
}

if (process.argv[1]?.endsWith('make-calc-tiny.js')) writeModelFiles(process.argv[2] ?? 'examples/models/calc-tiny', calcTinyFiles());
