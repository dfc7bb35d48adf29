import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparisonTable, hasCjk, kindOfRow, renderEvalReport, rougeTokenize, tokenizeCjkAware, type EvalResults } from '../../src/eval/index.js';

test('tokenizeCjkAware: rouge-score tokens for Latin text, one token per CJK character', () => {
  for (const text of ["RLHF's v2.0 — the cat sat, on THE mat!", '  a-b_c  ', '']) assert.deepEqual(tokenizeCjkAware(text), rougeTokenize(text));
  assert.deepEqual(tokenizeCjkAware('LoRA 是低秩适配。KV缓存'), ['lora', '是', '低', '秩', '适', '配', 'kv', '缓', '存']);
  assert.equal(hasCjk('What is LoRA?'), false);
  assert.equal(hasCjk('什么是 LoRA？'), true);
  assert.equal(hasCjk('カタカナ'), true);
});

test('kindOfRow: the record kind from a row\'s fields', () => {
  assert.equal(kindOfRow({ prompt: 'q', chosen: 'a', rejected: 'b' }), 'preference');
  assert.equal(kindOfRow({ prompt: 'q', teacher_response: 'a' }), 'teacher_student');
  assert.equal(kindOfRow({ prompt: 'q', completions: ['a'], labels: [true] }), 'stepwise');
  assert.equal(kindOfRow({ tensor: 'ex0', score: 0.5 }), 'latent');
  assert.equal(kindOfRow({ prompt: 'q', response: 'a' }), 'sft');
  assert.equal(kindOfRow({ instruction: 'q', output: 'a' }), 'sft');
  assert.equal(kindOfRow({ prompt: 'q', reference: 'k' }), 'prompt');
  assert.equal(kindOfRow({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }), 'conversation');
  assert.equal(kindOfRow({ messages: [{ role: 'user', content: 'q' }] }), 'prompt');
  assert.equal(kindOfRow({ text: 'x' }), null);
});

const results = (models: EvalResults['models']): EvalResults => ({
  config: 'c.yaml',
  createdAt: '2025-01-01T00:00:00.000Z',
  tasks: ['generation'],
  settings: {
    modelRole: 'policy', bleuTokenizer: '13a', rougeTokenizer: 'rouge-score', distinctTokenizer: 'whitespace', greedy: true,
    maxNewTokens: 16, batchSize: 8, maxExamples: null, rewardModel: null, referenceModel: null, beta: null,
  },
  data: { generation: ['eval.jsonl'] },
  models,
});

test('the report: a comparison table with the change from first to last, and samples fenced so backticks and pipes survive', () => {
  const gen = (output: string) => [{ prompt: 'a | b', reference: 'use ```code```', output, numTokens: 3, finishReason: 'eos' }];
  const r = results([
    { name: 'checkpoint-2', path: 'out/checkpoint-2', step: 2, metrics: { 'generation/bleu': 10.5, 'generation/count': 1 }, generations: gen('first'), seconds: 1 },
    { name: 'final', path: 'out', step: 4, metrics: { 'generation/bleu': 12.25, 'generation/count': 1, 'reward/mean': 0.5 }, generations: gen('second'), seconds: 1 },
  ]);
  const table = comparisonTable(r);
  assert.deepEqual(table.rows.map((x) => [x.metric, x.values]), [['generation/bleu', [10.5, 12.25]], ['generation/count', [1, 1]], ['reward/mean', [null, 0.5]]]);
  const md = renderEvalReport(r, { numSamples: 1 });
  assert.ok(md.includes('| metric | checkpoint-2 | final (step 4) | change |'), md);
  assert.ok(md.includes('| generation/bleu | 10.5000 | 12.2500 | +1.7500 |'), md);
  assert.ok(md.includes('| reward/mean | – | 0.5000 | – |'), md);
  assert.ok(md.includes('````text\nuse ```code```\n````'), 'a fence longer than any backtick run in the text');
  assert.ok(md.includes('**checkpoint-2**\n\n```text\nfirst\n```') && md.includes('**final (step 4)**\n\n```text\nsecond\n```'));
  const one = renderEvalReport(results([r.models[0]!]));
  assert.ok(one.includes('## Metrics: checkpoint-2') && one.includes('| generation/bleu | 10.5000 |'));
});
