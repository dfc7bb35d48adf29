/**
 * TRL's chat-template rule and dataset formats: plain strings are tokenized as plain text
 * (prompt + completion + eos as one string), message lists through the template, and
 * `data.chat_template` always/never change that as documented in docs/data.md.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import {
  checkChatTemplateMode, IGNORE_INDEX, parseChatTemplateMode, tokenizeConversation, tokenizePreference, tokenizePrompt, tokenizeSft, tokenizeStepwise,
} from '../../../src/data/index.js';
import { DataError } from '../../../src/data/errors.js';
import { parseSft } from '../../../src/data/formats/index.js';
import { ByteTokenizer, type ChatMessage } from '../../../src/tokenizers/index.js';
import { ctx } from '../formats/helpers.js';
import { tokenizer } from './fixtures.js';

const EOS = '<|im_end|>';
const user = (content: string): ChatMessage[] => [{ role: 'user', content }];
const assistant = (content: string): ChatMessage[] => [{ role: 'assistant', content }];

test('auto: a plain prompt/completion is encode(prompt + completion + eos), loss after encode(prompt)', () => {
  const ex = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'What is 2+2?', response: ' Four.' });
  const full = tokenizer.encode(`What is 2+2? Four.${EOS}`);
  const promptLength = tokenizer.encode('What is 2+2?').length;
  assert.deepEqual(ex.inputIds, full);
  assert.equal(ex.promptLength, promptLength);
  assert.deepEqual(ex.labels, full.map((id, i) => (i < promptLength ? IGNORE_INDEX : id)));
  assert.ok(!ex.inputIds.includes(tokenizer.tokenToId('<|im_start|>')!), 'no chat markers');
});

test('auto: a completion that already ends with the eos text gets no second eos (TRL add_eos)', () => {
  const once = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: ` Yo${EOS}` });
  assert.deepEqual(once.inputIds, tokenizer.encode(`Hi Yo${EOS}`));
  assert.equal(once.inputIds.filter((id) => id === tokenizer.eosTokenId).length, 1);
});

test('auto: a text row is encode(text + eos) with loss on every token', () => {
  const ex = tokenizeSft(tokenizer, { kind: 'sft', prompt: null, response: 'Once upon a time' });
  assert.deepEqual(ex.inputIds, tokenizer.encode(`Once upon a time${EOS}`));
  assert.deepEqual(ex.labels, ex.inputIds);
  assert.equal(ex.promptLength, 0);
});

test('auto: plain prompts are encoded, message prompts rendered with the generation prompt', () => {
  assert.deepEqual(tokenizePrompt(tokenizer, { kind: 'prompt', prompt: 'Hi' }).inputIds, tokenizer.encode('Hi'));
  assert.deepEqual(
    tokenizePrompt(tokenizer, { kind: 'prompt', prompt: user('Hi') }).inputIds,
    tokenizer.applyChatTemplate(user('Hi'), { addGenerationPrompt: true }),
  );
});

test("always: plain strings become one user turn and one assistant turn; never: plain text", () => {
  const always = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, { chatTemplate: 'always' });
  const conversational = tokenizeSft(tokenizer, { kind: 'sft', prompt: user('Hi'), response: assistant('Yo') });
  assert.deepEqual(always, conversational);
  const never = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, { chatTemplate: 'never' });
  assert.deepEqual(never, tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }));
  const step = tokenizeStepwise(tokenizer, { kind: 'stepwise', prompt: 'Q', completions: ['a'], labels: [true] }, { chatTemplate: 'always' });
  const header = tokenizer.applyChatTemplate(user('Q'), { addGenerationPrompt: true });
  assert.deepEqual(step.inputIds.slice(0, header.length), header);
});

test('never: conversational records are refused with the key to change', () => {
  const never = { chatTemplate: 'never' } as const;
  const message = /conversational record .* data\.chat_template 'never'/;
  assert.throws(() => tokenizePreference(tokenizer, { kind: 'preference', prompt: user('Q'), chosen: assistant('A'), rejected: assistant('B') }, never), message);
  assert.throws(() => tokenizePrompt(tokenizer, { kind: 'prompt', prompt: user('Q') }, never), message);
  assert.throws(() => tokenizeSft(tokenizer, { kind: 'sft', prompt: null, response: [...user('Q'), ...assistant('A')] }, never), message);
  assert.throws(() => tokenizeConversation(tokenizer, { kind: 'conversation', messages: [...user('Q'), ...assistant('A')] }, never), message);
});

test("always without a chat template, and a bad mode, are refused", () => {
  assert.throws(() => checkChatTemplateMode('always', new ByteTokenizer({ chatTemplate: null })), /'always' but the tokenizer has no chat template/);
  assert.equal(checkChatTemplateMode('always', tokenizer), 'always');
  assert.equal(parseChatTemplateMode(undefined), 'auto');
  assert.throws(() => parseChatTemplateMode('sometimes'), /--chat-template must be one of auto, always, never, got 'sometimes'/);
  const model = { name_or_path: 'm' };
  const data = { dataset_path: 'd.jsonl' };
  assert.equal(RunConfig.parse({ model, data }).data.chat_template, 'auto');
  assert.equal(RunConfig.parse({ model, data: { ...data, chat_template: 'never' } }).data.chat_template, 'never');
  assert.throws(() => RunConfig.parse({ model, data: { ...data, chat_template: 'sometimes' } }), /chat_template/);
});

test('sft rows: prompt/completion (strings or messages), text, messages, conversations', () => {
  assert.deepEqual(parseSft({ prompt: 'Q', completion: ' A' }, ctx()), { kind: 'sft', prompt: 'Q', response: ' A' });
  assert.deepEqual(parseSft({ prompt: user('Q'), completion: assistant('A') }, ctx()), { kind: 'sft', prompt: user('Q'), response: assistant('A') });
  assert.deepEqual(parseSft({ text: 'Once' }, ctx()), { kind: 'sft', prompt: null, response: 'Once' });
  const messages = [...user('Q'), ...assistant('A')];
  assert.deepEqual(parseSft({ messages }, ctx()), { kind: 'sft', prompt: null, response: messages });
  assert.deepEqual(parseSft({ conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] }, ctx()), { kind: 'sft', prompt: null, response: messages });
  const refused = (row: unknown, field: string) => assert.throws(() => parseSft(row, ctx(3)), (e: unknown) => e instanceof DataError && e.field === field);
  refused({ prompt: user('Q'), completion: assistant('A'), system: 'S' }, 'system');
  refused({ question: 'Q' }, 'prompt');
  refused({ text: 4 }, 'text');
});
