import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IGNORE_INDEX,
  PrefixStabilityError,
  tokenizeConversation,
  tokenizePreference,
  tokenizePrompt,
  tokenizeSft,
  tokenizeStepwise,
  tokenizeTeacherStudent,
} from '../../../src/data/collate/index.js';
import type { ChatMessage, TextTokenizer } from '../../../src/tokenizers/index.js';
import { ASSISTANT, END, goldenPreference, HI, SYSTEM_IDS, tokenizer, USER, YO } from './fixtures.js';

const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const ignored = (n: number): number[] => new Array<number>(n).fill(IGNORE_INDEX);
/** Plain strings wrapped in the template (the default 'auto' tokenizes them as plain text). */
const ALWAYS = { chatTemplate: 'always' } as const;

test("SFT with chatTemplate 'always': the mask covers exactly the response and <|im_end|>\\n", () => {
  const ex = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, ALWAYS);
  const prompt = [...SYSTEM_IDS, ...USER, ...HI, ...END, ...ASSISTANT];
  assert.deepEqual(ex.inputIds, [...prompt, ...YO, ...END]);
  assert.deepEqual(ex.completionMask, [...zeros(prompt.length), 1, 1, 1, 1]);
  assert.deepEqual(ex.labels, [...ignored(prompt.length), ...YO, ...END]);
  assert.equal(ex.promptLength, prompt.length);
  assert.equal(ex.truncated, false);
});

test('SFT with a system message replaces the default system turn', () => {
  const ex = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo', system: 'Hi' }, ALWAYS);
  const systemHeader = SYSTEM_IDS.slice(0, 7); // <|im_start|>system\n
  const prompt = [...systemHeader, ...HI, ...END, ...USER, ...HI, ...END, ...ASSISTANT];
  assert.deepEqual(ex.inputIds, [...prompt, ...YO, ...END]);
  assert.equal(ex.promptLength, prompt.length);
});

test('SFT without the chat template: prompt ids + response ids + eos', () => {
  const ex = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, { chatTemplate: 'never' });
  assert.deepEqual(ex.inputIds, [...HI, ...YO, 2]);
  assert.deepEqual(ex.completionMask, [0, 0, 1, 1, 1]);
  assert.deepEqual(ex.labels, [IGNORE_INDEX, IGNORE_INDEX, ...YO, 2]);
});

test('conversation: loss on the two assistant turns and their end tokens only', () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Yo' },
    { role: 'user', content: 'Q' },
    { role: 'assistant', content: 'A' },
  ];
  const ex = tokenizeConversation(tokenizer, { kind: 'conversation', messages });
  const first = [...SYSTEM_IDS, ...USER, ...HI, ...END, ...ASSISTANT];
  const second = [...END, ...USER, 52, ...END, ...ASSISTANT];
  assert.deepEqual(ex.inputIds, [...first, ...YO, ...second, 36, ...END]);
  // Spelled out: assistant 1 = Yo<|im_end|>\n, assistant 2 = A<|im_end|>\n.
  const expected = [...zeros(first.length), 1, 1, 1, 1, ...zeros(second.length - 2), 1, 1, 1];
  assert.deepEqual(ex.completionMask, expected);
  assert.deepEqual(
    ex.labels.filter((l) => l !== IGNORE_INDEX),
    [...YO, ...END, 36, ...END],
  );
  assert.equal(ex.promptLength, first.length);
});

test('conversation: a template that is not prefix-stable is refused with a clear error', () => {
  // A template that drops earlier assistant turns (as thinking models do) breaks prefix diffing.
  const unstable: TextTokenizer = Object.create(tokenizer, {
    applyChatTemplate: {
      value: (messages: readonly ChatMessage[], options?: { addGenerationPrompt?: boolean }) => {
        const last = messages.length - 1;
        const kept = messages.filter((m, i) => m.role !== 'assistant' || i === last);
        return tokenizer.applyChatTemplate(kept, { addGenerationPrompt: options?.addGenerationPrompt ?? false, tokenize: true });
      },
    },
  }) as TextTokenizer;
  const messages: ChatMessage[] = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Yo' },
    { role: 'user', content: 'Q' },
    { role: 'assistant', content: 'A' },
  ];
  assert.throws(() => tokenizeConversation(unstable, { kind: 'conversation', messages }), PrefixStabilityError);
  assert.throws(() => tokenizeConversation(unstable, { kind: 'conversation', messages }), /not prefix-stable/);
});

test('conversation without an assistant turn is refused', () => {
  assert.throws(() => tokenizeConversation(tokenizer, { kind: 'conversation', messages: [{ role: 'user', content: 'Hi' }] }), /no 'assistant' turn/);
});

test('preference ids equal TRL DPOTrainer ids (golden.json)', () => {
  goldenPreference.examples.forEach((record, i) => {
    const ex = tokenizePreference(tokenizer, { kind: 'preference', ...record });
    assert.deepEqual(ex.promptIds, goldenPreference.prompt_ids[i]);
    assert.deepEqual(ex.chosenIds, goldenPreference.chosen_ids[i]);
    assert.deepEqual(ex.rejectedIds, goldenPreference.rejected_ids[i]);
    assert.equal(ex.truncated, false);
  });
});

test("preference from plain strings under chatTemplate 'always' matches the conversational form", () => {
  const record = goldenPreference.examples[0]!;
  const ex = tokenizePreference(tokenizer, {
    kind: 'preference',
    prompt: record.prompt[0]!.content,
    chosen: record.chosen[0]!.content,
    rejected: record.rejected[0]!.content,
  }, ALWAYS);
  assert.deepEqual(ex.promptIds, goldenPreference.prompt_ids[0]);
  assert.deepEqual(ex.chosenIds, goldenPreference.chosen_ids[0]);
});

test('preference truncation: prompt keeps its end, completions keep their start', () => {
  const record = { kind: 'preference' as const, ...goldenPreference.examples[0]! };
  const promptIds = goldenPreference.prompt_ids[0]!;
  const chosenIds = goldenPreference.chosen_ids[0]!;
  const ex = tokenizePreference(tokenizer, record, { maxPromptLength: 5, maxCompletionLength: 4 });
  assert.deepEqual(ex.promptIds, promptIds.slice(-5));
  assert.deepEqual(ex.chosenIds, chosenIds.slice(0, 4));
  assert.equal(ex.truncated, true);
  const byLength = tokenizePreference(tokenizer, record, { maxLength: promptIds.length + 3 });
  assert.deepEqual(byLength.promptIds, promptIds);
  assert.deepEqual(byLength.chosenIds, chosenIds.slice(0, 3));
  assert.equal(byLength.rejectedIds.length, 3);
  assert.equal(byLength.truncated, true);
});

test('SFT truncation: maxLength cuts the completion end, keep_end cuts the prompt start', () => {
  const full = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, ALWAYS);
  const cut = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, { ...ALWAYS, maxLength: full.inputIds.length - 2 });
  assert.deepEqual(cut.inputIds, full.inputIds.slice(0, -2));
  assert.deepEqual(cut.completionMask, full.completionMask.slice(0, -2));
  assert.equal(cut.truncated, true);
  const keepEnd = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, { ...ALWAYS, maxLength: 10, truncationMode: 'keep_end' });
  assert.deepEqual(keepEnd.inputIds, full.inputIds.slice(-10));
  assert.equal(keepEnd.promptLength, 6);
  assert.equal(keepEnd.truncated, true);
  const prompt = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, { ...ALWAYS, maxPromptLength: 4 });
  assert.deepEqual(prompt.inputIds, [...ASSISTANT, ...YO, ...END]);
  assert.equal(prompt.promptLength, 4);
  const fits = tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, { ...ALWAYS, maxLength: full.inputIds.length });
  assert.equal(fits.truncated, false);
  assert.throws(() => tokenizeSft(tokenizer, { kind: 'sft', prompt: 'Hi', response: 'Yo' }, { maxLength: 0 }), /maxLength must be a positive integer, got 0/);
});

test('conversation truncation keeps the start by default', () => {
  const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo' }];
  const full = tokenizeConversation(tokenizer, { kind: 'conversation', messages });
  const cut = tokenizeConversation(tokenizer, { kind: 'conversation', messages }, { maxLength: full.inputIds.length - 1 });
  assert.equal(cut.inputIds.length, full.inputIds.length - 1);
  assert.deepEqual(cut.completionMask, full.completionMask.slice(0, -1));
  assert.equal(cut.truncated, true);
});

test('prompt-only: the prompt with the generation prompt, truncated at its start', () => {
  const ex = tokenizePrompt(tokenizer, { kind: 'prompt', prompt: 'Hi' }, ALWAYS);
  assert.deepEqual(ex.inputIds, [...SYSTEM_IDS, ...USER, ...HI, ...END, ...ASSISTANT]);
  const cut = tokenizePrompt(tokenizer, { kind: 'prompt', prompt: 'Hi' }, { ...ALWAYS, maxPromptLength: 4 });
  assert.deepEqual(cut.inputIds, ASSISTANT);
  assert.equal(cut.truncated, true);
});

test('stepwise: separator after each step, label on its last token (TRL PRMTrainer)', () => {
  // 'Q' = 52, 'a b' = [68, 278], 'c' = 70, '\n' = 202; the tokenizer has no BOS.
  const ex = tokenizeStepwise(tokenizer, { kind: 'stepwise', prompt: 'Q', completions: ['a b', 'c'], labels: [true, false] });
  assert.deepEqual(ex.inputIds, [52, 68, 278, 202, 70, 202]);
  assert.deepEqual(ex.labels, [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, 1, IGNORE_INDEX, 0]);
  assert.deepEqual(ex.completionMask, [0, 0, 0, 1, 0, 1]);
  const last = tokenizeStepwise(tokenizer, { kind: 'stepwise', prompt: 'Q', completions: ['a b', 'c'], labels: [true, false] }, { trainOnLastStepOnly: true });
  assert.deepEqual(last.labels, [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, 0]);
  const cut = tokenizeStepwise(tokenizer, { kind: 'stepwise', prompt: 'Q', completions: ['a b', 'c'], labels: [true, false] }, { maxLength: 4 });
  assert.deepEqual(cut.inputIds, [52, 68, 278, 202]);
  assert.equal(cut.truncated, true);
  assert.throws(() => tokenizeStepwise(tokenizer, { kind: 'stepwise', prompt: 'Q', completions: ['a'], labels: [] }), /1 steps, 0 labels/);
});

test('teacher/student: both responses on the same prompt', () => {
  const ex = tokenizeTeacherStudent(tokenizer, { kind: 'teacher_student', prompt: 'Hi', teacherResponse: 'Yo', studentResponse: 'Hi' }, ALWAYS);
  assert.deepEqual(ex.teacher.inputIds.slice(-4), [...YO, ...END]);
  assert.deepEqual(ex.student?.inputIds.slice(-4), [...HI, ...END]);
  assert.equal(ex.teacher.promptLength, ex.student?.promptLength);
  assert.equal(tokenizeTeacherStudent(tokenizer, { kind: 'teacher_student', prompt: 'Hi', teacherResponse: 'Yo' }).student, undefined);
});
