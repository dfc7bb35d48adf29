/**
 * Chat templates against transformers' apply_chat_template: every golden rendering and its
 * ids, TRL's prompt/completion split for DPO, and the transformers conventions (special
 * tokens as variables, raise_exception, continue_final_message, named templates).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatTemplateError, Tokenizer, type ChatMessage } from '../../src/tokenizers/index.js';
import { goldenBatches, goldenTokenizer, TOKENIZER_DIR } from './fixtures.js';

const tok = Tokenizer.fromPretrained(TOKENIZER_DIR);

describe('applyChatTemplate matches transformers', () => {
  for (const c of goldenTokenizer().chat_template_cases) {
    const label = `${c.messages.map((m) => m.role).join('+')} (${c.messages[0]?.content}), addGenerationPrompt ${c.add_generation_prompt}`;
    it(`renders ${label}`, () => {
      const text = tok.applyChatTemplate(c.messages, { addGenerationPrompt: c.add_generation_prompt, tokenize: false });
      assert.equal(text, c.text);
    });
    it(`tokenizes ${label}`, () => {
      assert.deepEqual(tok.applyChatTemplate(c.messages, { addGenerationPrompt: c.add_generation_prompt }), c.ids);
      assert.deepEqual(tok.applyChatTemplate(c.messages, { addGenerationPrompt: c.add_generation_prompt, tokenize: true }), c.ids);
    });
  }

  it('reproduces TRL DPO prompt and completion ids', () => {
    const { examples, rendered_prompt, prompt_ids, chosen_ids, rejected_ids } = goldenBatches().preference;
    examples.forEach((ex, i) => {
      const prompt = tok.applyChatTemplate(ex.prompt, { addGenerationPrompt: true });
      assert.equal(tok.applyChatTemplate(ex.prompt, { addGenerationPrompt: true, tokenize: false }), rendered_prompt[i]);
      assert.deepEqual(prompt, prompt_ids[i]);
      assert.deepEqual(tok.applyChatTemplate([...ex.prompt, ...ex.chosen]).slice(prompt.length), chosen_ids[i]);
      assert.deepEqual(tok.applyChatTemplate([...ex.prompt, ...ex.rejected]).slice(prompt.length), rejected_ids[i]);
    });
  });

  it('keeps a given system message instead of inserting the default one', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ];
    assert.equal(tok.applyChatTemplate(messages, { tokenize: false }), '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n');
  });
});

describe('chat template conventions', () => {
  const user: ChatMessage[] = [{ role: 'user', content: 'Hi' }];

  // golden-extra.test.ts checks the special-token and none variables against transformers.
  it('passes tools to the template', () => {
    const withTools = tok.applyChatTemplate(user, { chatTemplate: '{{ tools | length }}', tools: [{ name: 'f' }], tokenize: false });
    assert.equal(withTools, '1');
  });

  it('passes extra variables and message keys through', () => {
    const template = "{{ greeting }} {{ messages[0]['name'] }}";
    const text = tok.applyChatTemplate([{ role: 'user', content: 'x', name: 'Ada' }], { chatTemplate: template, templateVars: { greeting: 'hello' }, tokenize: false });
    assert.equal(text, 'hello Ada');
  });

  it('turns raise_exception into a ChatTemplateError with the template’s message', () => {
    const template = "{% if messages[0]['role'] != 'system' %}{{ raise_exception('System message required') }}{% endif %}";
    assert.throws(
      () => tok.applyChatTemplate(user, { chatTemplate: template }),
      (e: unknown) => e instanceof ChatTemplateError && /System message required/.test(e.message),
    );
  });

  it('refuses an empty conversation, as transformers does', () => {
    assert.throws(() => tok.applyChatTemplate([]), /cannot apply a chat template to an empty conversation/);
  });

  it('reports a template that does not compile', () => {
    assert.throws(() => tok.applyChatTemplate(user, { chatTemplate: '{% if %}' }), /chat template from the chatTemplate option does not compile/);
  });

  it('continues the final message without closing its turn', () => {
    // transformers 5 keeps the message's trailing space when the template keeps it.
    const messages: ChatMessage[] = [...user, { role: 'assistant', content: 'The answer is ' }];
    const text = tok.applyChatTemplate(messages, { continueFinalMessage: true, tokenize: false });
    assert.equal(text, '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nThe answer is ');
    assert.throws(() => tok.applyChatTemplate(messages, { continueFinalMessage: true, addGenerationPrompt: true }), /cannot both be set/);
  });

  it('takes a chatTemplate override at load time', () => {
    const bare = Tokenizer.fromPretrained(TOKENIZER_DIR, { chatTemplate: '{{ messages | length }}' });
    assert.equal(bare.applyChatTemplate(user, { tokenize: false }), '1');
    assert.match(tok.chatTemplate ?? '', /^\{% for message in messages %\}/);
  });
});
