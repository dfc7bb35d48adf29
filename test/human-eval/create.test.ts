/** create: prompts matched and all kept, A/B order random per item but fixed by the seed, key right. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTask, pairGenerations } from '../../src/human-eval/create.js';
import type { Generation } from '../../src/human-eval/generations.js';
import { readKey, readTask } from '../../src/human-eval/task.js';

const gens = (model: string, prompts: string[]): Generation[] => prompts.map((prompt, i) => ({ prompt, response: `${model} says ${prompt}`, line: i + 1 }));
const prompts = Array.from({ length: 40 }, (_, i) => `question ${i}`);

test('pairGenerations: the seed fixes the A/B order; it varies per item and between seeds', () => {
  const first = gens('sft', prompts);
  const second = gens('dpo', [...prompts].reverse()); // file order differs; matching is by prompt
  const options = { models: ['sft', 'dpo'] as [string, string], seed: 7 };
  const one = pairGenerations(first, second, options);
  assert.deepEqual(pairGenerations(first, second, options), one);
  const sftFirst = Object.values(one.key.items).filter((s) => s.a === 'sft').length;
  assert.ok(sftFirst >= 10 && sftFirst <= 30, `sft shown as A on ${sftFirst} of 40 items`);
  const other = pairGenerations(first, second, { ...options, seed: 8 });
  assert.notDeepEqual(other.key.items, one.key.items);
  assert.deepEqual(other.items.map((i) => i.prompt), one.items.map((i) => i.prompt));
});

test('pairGenerations: the key names the model whose reply is on each side; every prompt is kept in order', () => {
  const first = gens('sft', prompts);
  const second = gens('dpo', prompts);
  const { items, key } = pairGenerations(first, second, { models: ['sft', 'dpo'], seed: 1 });
  assert.deepEqual(items.map((i) => i.prompt), prompts);
  assert.equal(new Set(items.map((i) => i.id)).size, prompts.length);
  assert.equal(items[0]?.id, 'item-0001');
  for (const item of items) {
    const sides = key.items[item.id];
    assert.ok(sides);
    assert.equal(item.response_a, `${sides.a} says ${item.prompt}`);
    assert.equal(item.response_b, `${sides.b} says ${item.prompt}`);
    assert.notEqual(sides.a, sides.b);
  }
  assert.deepEqual(key.models, ['sft', 'dpo']);
});

test('pairGenerations: prompts on one side only are reported; repeated prompts pair in file order', () => {
  const first = [...gens('sft', ['p1', 'p2', 'only-sft']), { prompt: 'p1', response: 'sft again', line: 4 }];
  const second = [...gens('dpo', ['only-dpo', 'p2', 'p1']), { prompt: 'p1', response: 'dpo again', line: 4 }, { prompt: 'p1', response: 'dpo third', line: 5 }];
  const { items, unmatched } = pairGenerations(first, second, { models: ['sft', 'dpo'], seed: 3 });
  assert.deepEqual(items.map((i) => i.prompt), ['p1', 'p2', 'p1']);
  const last = items[2];
  assert.ok(last);
  assert.deepEqual([last.response_a, last.response_b].sort(), ['dpo again', 'sft again']);
  assert.deepEqual(unmatched, { sft: ['only-sft'], dpo: ['only-dpo', 'p1'] });
  assert.throws(() => pairGenerations(first, second, { models: ['m', 'm'], seed: 0 }), /different names/);
});

test('createTask: reads `rlhf generate` output and chat prompts, writes items without model names, refuses to overwrite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heval-create-'));
  const chat = [{ role: 'user', content: 'Hi there' }];
  writeFileSync(
    join(dir, 'alpha-model.jsonl'),
    [
      { prompt: 'What is 2+2?', response: '4' },
      { prompt: chat, response: 'Hello!' },
      { prompt: 'unanswered', response: 'x' },
    ].map((r) => JSON.stringify(r)).join('\n'),
  );
  // The fields `rlhf generate --out` writes.
  writeFileSync(
    join(dir, 'beta-model.jsonl'),
    [
      { prompt: chat, completion: 'Hey.', token_ids: [1, 2], logprobs: [-0.1, -0.2], finish_reason: 'stop' },
      { prompt: 'What is 2+2?', completion: 'Four.', token_ids: [3], logprobs: [-0.3], finish_reason: 'stop' },
    ].map((r) => JSON.stringify(r)).join('\n'),
  );
  const out = join(dir, 'task');
  const { meta } = await createTask({ files: [join(dir, 'alpha-model.jsonl'), join(dir, 'beta-model.jsonl')], out, seed: 5 });
  assert.deepEqual(meta.models, ['alpha-model', 'beta-model']);
  assert.deepEqual(meta.unmatched, { 'alpha-model': ['unanswered'], 'beta-model': [] });
  const task = readTask(out);
  assert.equal(task.items.length, 2);
  assert.deepEqual(task.items[1]?.prompt, chat);
  assert.doesNotMatch(readFileSync(join(out, 'items.jsonl'), 'utf8'), /alpha|beta/);
  const key = readKey(out, task.items.map((i) => i.id));
  const first = task.items[0];
  assert.ok(first);
  const sides = key.items[first.id];
  assert.equal(sides?.a === 'alpha-model' ? first.response_a : first.response_b, '4');

  await assert.rejects(createTask({ files: [join(dir, 'alpha-model.jsonl'), join(dir, 'beta-model.jsonl')], out }), /already holds a task/);
  await assert.rejects(createTask({ files: [join(dir, 'alpha-model.jsonl'), join(dir, 'alpha-model.jsonl')], out: join(dir, 't2') }), /--model-a-name/);
  writeFileSync(join(dir, 'bad.jsonl'), '{"prompt": "q", "answer": "a"}\n');
  await assert.rejects(createTask({ files: [join(dir, 'alpha-model.jsonl'), join(dir, 'bad.jsonl')], out: join(dir, 't3') }), /bad\.jsonl:1: no reply: expected a string in one of response, completion, output/);
  writeFileSync(join(dir, 'other.jsonl'), '{"prompt": "unrelated", "output": "a"}\n');
  await assert.rejects(createTask({ files: [join(dir, 'alpha-model.jsonl'), join(dir, 'other.jsonl')], out: join(dir, 't4') }), /share no prompt/);
});
