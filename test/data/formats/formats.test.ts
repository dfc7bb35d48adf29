import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError } from '../../../src/data/errors.js';
import {
  parseConversation, parsePreference, parsePrompt, parseRecord, parseSft, parseStepwise, parseTeacherStudent,
} from '../../../src/data/formats/index.js';
import { ctx } from './helpers.js';

/** Asserts `fn` throws a DataError with exactly this message and field. */
function rejects(fn: () => unknown, message: string, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.field, field);
    return true;
  });
}

describe('sft', () => {
  it('parses prompt/response and Alpaca rows', () => {
    assert.deepEqual(parseSft({ prompt: 'Q', response: 'A' }, ctx()), { kind: 'sft', prompt: 'Q', response: 'A' });
    assert.deepEqual(parseSft({ instruction: 'Translate', input: 'cat', output: 'chat' }, ctx()),
      { kind: 'sft', prompt: 'Translate\n\ncat', response: 'chat' });
    assert.deepEqual(parseSft({ instruction: 'Say hi', input: '', output: 'hi', system: 'Be brief.' }, ctx()),
      { kind: 'sft', prompt: 'Say hi', response: 'hi', system: 'Be brief.' });
  });
  it('names the file, line and field of a bad row', () => {
    rejects(() => parseSft({ prompt: 'Q' }, ctx(7)), "t.jsonl:7: field 'response' is missing", 'response');
    rejects(() => parseSft({ prompt: 'Q', response: 3 }, ctx(2)), "t.jsonl:2: field 'response' must be a string or a list of messages, got number", 'response');
    rejects(() => parseSft({ prompt: 'Q', response: '  ' }, ctx(4)), "t.jsonl:4: empty response in field 'response'", 'response');
    rejects(() => parseSft({ prompt: '', response: 'A' }, ctx(4)), "t.jsonl:4: empty prompt in field 'prompt'", 'prompt');
    rejects(() => parseSft({ instruction: 'I', input: '' }, ctx(5)), "t.jsonl:5: field 'output' is missing", 'output');
    rejects(() => parseSft([1], ctx(9)), 't.jsonl:9: row must be an object, got array');
  });
  it('accepts empty responses when asked', () => {
    assert.deepEqual(parseSft({ prompt: 'Q', response: '' }, ctx(1, { allowEmpty: true })), { kind: 'sft', prompt: 'Q', response: '' });
  });
});

describe('conversation', () => {
  it('parses messages and normalises ShareGPT roles', () => {
    const messages = [{ role: 'system', content: 'S' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
    assert.deepEqual(parseConversation({ messages }, ctx()), { kind: 'conversation', messages });
    assert.deepEqual(parseConversation({
      conversations: [{ from: 'system', value: 'S' }, { from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }],
    }, ctx()), { kind: 'conversation', messages });
  });
  it('rejects bad messages with their path', () => {
    rejects(() => parseConversation({}, ctx(3)), "t.jsonl:3: field 'messages' is missing", 'messages');
    rejects(() => parseConversation({ messages: [{ role: 'user', content: 1 }] }, ctx(3)),
      "t.jsonl:3: field 'messages[0].content' must be a string, got number", 'messages[0].content');
    rejects(() => parseConversation({ conversations: [{ from: 'bob', value: 'x' }] }, ctx(3)),
      "t.jsonl:3: field 'conversations[0].from' must be one of human, user, gpt, assistant, system, tool, got 'bob'", 'conversations[0].from');
    rejects(() => parseConversation({ conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: '' }] }, ctx(3)),
      "t.jsonl:3: empty response in field 'conversations[1].value'", 'conversations[1].value');
    rejects(() => parseConversation({ messages: [] }, ctx(3)), "t.jsonl:3: field 'messages' must not be an empty list", 'messages');
  });
});

describe('preference', () => {
  it('parses explicit prompts, strings and message lists', () => {
    assert.deepEqual(parsePreference({ prompt: 'Sky?', chosen: 'Blue.', rejected: 'Green.', margin: 2 }, ctx()),
      { kind: 'preference', prompt: 'Sky?', chosen: 'Blue.', rejected: 'Green.', margin: 2 });
    const prompt = [{ role: 'user', content: 'Sky?' }];
    assert.deepEqual(parsePreference({
      prompt, chosen: [{ role: 'assistant', content: 'Blue.' }], rejected: [{ role: 'assistant', content: 'Green.' }],
    }, ctx()), { kind: 'preference', prompt, chosen: [{ role: 'assistant', content: 'Blue.' }], rejected: [{ role: 'assistant', content: 'Green.' }] });
  });
  it('extracts an implicit prompt from the shared prefix', () => {
    const user = { role: 'user', content: 'Sky?' };
    assert.deepEqual(parsePreference({
      chosen: [user, { role: 'assistant', content: 'Blue.' }], rejected: [user, { role: 'assistant', content: 'Green.' }],
    }, ctx()), {
      kind: 'preference', prompt: [user], chosen: [{ role: 'assistant', content: 'Blue.' }], rejected: [{ role: 'assistant', content: 'Green.' }],
    });
  });
  it('rejects bad pairs', () => {
    rejects(() => parsePreference({ prompt: 'P', chosen: 'A' }, ctx(6)), "t.jsonl:6: field 'rejected' is missing", 'rejected');
    rejects(() => parsePreference({ chosen: 'A', rejected: 'B' }, ctx(6)), "t.jsonl:6: field 'prompt' is missing", 'prompt');
    rejects(() => parsePreference({ prompt: 'P', chosen: 'A', rejected: '' }, ctx(6)), "t.jsonl:6: empty response in field 'rejected'", 'rejected');
    rejects(() => parsePreference({ prompt: 'P', chosen: 5, rejected: 'B' }, ctx(6)),
      "t.jsonl:6: field 'chosen' must be a string or a list of messages, got number", 'chosen');
    rejects(() => parsePreference({
      chosen: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], rejected: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'b' }],
    }, ctx(6)), "t.jsonl:6: field 'prompt' is missing and 'chosen'/'rejected' share no leading messages to use as the prompt", 'prompt');
    rejects(() => parsePreference({ prompt: 'P', chosen: 'A', rejected: 'B', margin: 'big' }, ctx(6)),
      "t.jsonl:6: field 'margin' must be a finite number, got string", 'margin');
  });
});

describe('prompt', () => {
  it('parses prompt or messages with a reference', () => {
    assert.deepEqual(parsePrompt({ prompt: '2+2?', answer: '4' }, ctx()), { kind: 'prompt', prompt: '2+2?', reference: '4' });
    assert.deepEqual(parsePrompt({ prompt: 'P', solution: 'S' }, ctx()), { kind: 'prompt', prompt: 'P', reference: 'S' });
    assert.deepEqual(parsePrompt({ messages: [{ role: 'user', content: 'Hi' }] }, ctx()), { kind: 'prompt', prompt: [{ role: 'user', content: 'Hi' }] });
  });
  it('rejects bad rows', () => {
    rejects(() => parsePrompt({ answer: '4' }, ctx(2)), "t.jsonl:2: field 'prompt' is missing", 'prompt');
    rejects(() => parsePrompt({ prompt: 'P', reference: 4 }, ctx(2)), "t.jsonl:2: field 'reference' must be a string, got number", 'reference');
  });
});

describe('stepwise', () => {
  it('parses steps with one label each', () => {
    assert.deepEqual(parseStepwise({ prompt: '1+1?', completions: ['1+1=2.', 'So 2.'], labels: [true, false] }, ctx()),
      { kind: 'stepwise', prompt: '1+1?', completions: ['1+1=2.', 'So 2.'], labels: [true, false] });
  });
  it('rejects mismatched or mistyped labels', () => {
    rejects(() => parseStepwise({ prompt: 'P', completions: ['a', 'b'], labels: [true] }, ctx(8)),
      "t.jsonl:8: field 'labels' must have one entry per completion (2), got 1", 'labels');
    rejects(() => parseStepwise({ prompt: 'P', completions: ['a'], labels: [1] }, ctx(8)),
      "t.jsonl:8: field 'labels[0]' must be a boolean, got number", 'labels[0]');
    rejects(() => parseStepwise({ prompt: 'P', completions: 'a', labels: [true] }, ctx(8)),
      "t.jsonl:8: field 'completions' must be an array, got string", 'completions');
  });
});

describe('teacher_student', () => {
  it('parses with and without a student response', () => {
    assert.deepEqual(parseTeacherStudent({ prompt: 'Q', teacher_response: 'A' }, ctx()), { kind: 'teacher_student', prompt: 'Q', teacherResponse: 'A' });
    assert.deepEqual(parseTeacherStudent({ prompt: 'Q', teacher_response: 'A', student_response: 'B' }, ctx()),
      { kind: 'teacher_student', prompt: 'Q', teacherResponse: 'A', studentResponse: 'B' });
  });
  it('rejects a missing teacher response', () => {
    rejects(() => parseTeacherStudent({ prompt: 'Q' }, ctx(1)), "t.jsonl:1: field 'teacher_response' is missing", 'teacher_response');
  });
});

describe('parseRecord', () => {
  it('dispatches by kind', () => {
    assert.deepEqual(parseRecord('sft', { prompt: 'Q', response: 'A' }, { file: 'x.json', line: 3 }), { kind: 'sft', prompt: 'Q', response: 'A' });
    rejects(() => parseRecord('sft', { prompt: 'Q' }, { file: 'x.json', line: 3 }), "x.json:3: field 'response' is missing", 'response');
  });
});
