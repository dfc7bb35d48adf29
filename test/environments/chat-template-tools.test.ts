/**
 * Qwen2.5's chat template (TRL's qwen2_5.jinja) renders tool conversations — tools in the system
 * prompt, structured tool calls, consecutive tool results in one user turn — exactly as
 * transformers 5.18's apply_chat_template, and the tokens an environment inserts after a
 * tool-calling turn equal TRL's GRPOTrainer._get_tool_suffix_ids (make_qwen25_tool_golden.py).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { environmentSuffixIds } from '../../src/environments/index.js';
import { Tokenizer, type ChatMessage } from '../../src/tokenizers/index.js';

interface Golden {
  cases: { name: string; messages: ChatMessage[]; tools: unknown[] | null; add_generation_prompt: boolean; text: string; ids: number[] }[];
  suffixes: { messages: ChatMessage[]; ids: number[] }[];
}
const golden = JSON.parse(readFileSync('test/fixtures/tools/qwen25_tools.json', 'utf8')) as Golden;
const template = readFileSync('test/fixtures/tools/qwen2_5.jinja', 'utf8');
const tokenizer = Tokenizer.fromPretrained('test/fixtures/models/tiny-qwen2', { chatTemplate: template });

for (const c of golden.cases) {
  test(`Qwen2.5 template: ${c.name} (text and ids as transformers)`, () => {
    const options = { addGenerationPrompt: c.add_generation_prompt, ...(c.tools === null ? {} : { tools: c.tools }) };
    assert.equal(tokenizer.applyChatTemplate(c.messages, { ...options, tokenize: false }), c.text);
    assert.deepEqual(tokenizer.applyChatTemplate(c.messages, { ...options, tokenize: true }), c.ids);
  });
}

test('the tokens an environment inserts after a tool call equal TRL _get_tool_suffix_ids', () => {
  assert.equal(golden.suffixes.length, 2);
  for (const s of golden.suffixes) assert.deepEqual(environmentSuffixIds(tokenizer, s.messages), s.ids);
  // Decoded: the model's <|im_end|> is not repeated; the newline after it, the tool turn and the next header are.
  assert.equal(tokenizer.decode(golden.suffixes[0]!.ids), '\n<|im_start|>user\n<tool_response>\n408\n</tool_response><|im_end|>\n<|im_start|>assistant\n');
});
