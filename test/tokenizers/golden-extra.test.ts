/**
 * Harder cases checked against transformers 5.18 / tokenizers 0.23.2 (golden_extra.json, from
 * test/fixtures/tokenizer/make_golden_extra.py): the pre-tokenizer regex and NFC on unusual
 * text, padding/truncation settings passed to `tokenizer(texts, ...)`, and apply_chat_template
 * with system turns, several turns, continue_final_message, tools and extra variables.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tokenizer, type BatchEncodeOptions, type ChatTemplateOptions } from '../../src/tokenizers/index.js';
import { goldenExtra, TOKENIZER_DIR, type GoldenExtra } from './fixtures.js';

const tok = Tokenizer.fromPretrained(TOKENIZER_DIR);
const golden = goldenExtra();

describe('encode/decode of hard text matches HF tokenizers', () => {
  for (const c of golden.encode_cases) {
    it(`handles ${JSON.stringify(c.text)}`, () => {
      assert.deepEqual(tok.encode(c.text), c.ids);
      assert.equal(tok.decode(c.ids), c.decoded);
      assert.equal(tok.decode(c.ids, { skipSpecialTokens: true }), c.decoded_skip_special);
    });
  }
});

/** transformers' keyword arguments as encodeBatch options. */
function batchOptions(s: GoldenExtra['batch_cases'][number]['settings']): BatchEncodeOptions {
  return {
    padding: s.padding === 'max_length' ? 'maxLength' : 'longest',
    ...(s.max_length !== undefined ? { maxLength: s.max_length } : {}),
    ...(s.truncation !== undefined ? { truncation: s.truncation } : {}),
    ...(s.padding_side !== undefined ? { paddingSide: s.padding_side } : {}),
    ...(s.truncation_side !== undefined ? { truncationSide: s.truncation_side } : {}),
    ...(s.pad_to_multiple_of !== undefined ? { padToMultipleOf: s.pad_to_multiple_of } : {}),
  };
}

describe('encodeBatch matches tokenizer(texts, ...)', () => {
  for (const c of golden.batch_cases) {
    it(`with ${JSON.stringify(c.settings)}`, () => {
      const batch = tok.encodeBatch(c.texts, batchOptions(c.settings));
      assert.deepEqual(batch.inputIds, c.input_ids);
      assert.deepEqual(batch.attentionMask, c.attention_mask);
    });
  }
});

/** apply_chat_template's keyword arguments as options; unknown ones are template variables. */
function chatOptions(kwargs: Record<string, unknown>): ChatTemplateOptions {
  const { add_generation_prompt, continue_final_message, chat_template, tools, ...rest } = kwargs;
  return {
    ...(add_generation_prompt !== undefined ? { addGenerationPrompt: add_generation_prompt as boolean } : {}),
    ...(continue_final_message !== undefined ? { continueFinalMessage: continue_final_message as boolean } : {}),
    ...(chat_template !== undefined ? { chatTemplate: chat_template as string } : {}),
    ...(tools !== undefined ? { tools: tools as unknown[] } : {}),
    templateVars: rest,
  };
}

describe('applyChatTemplate matches apply_chat_template', () => {
  golden.chat_cases.forEach((c, i) => {
    it(`case ${i}: ${JSON.stringify(c.kwargs).slice(0, 80)}`, () => {
      const options = chatOptions(c.kwargs);
      assert.equal(tok.applyChatTemplate(c.messages, { ...options, tokenize: false }), c.text);
      assert.deepEqual(tok.applyChatTemplate(c.messages, { ...options, tokenize: true }), c.ids);
    });
  });
});
