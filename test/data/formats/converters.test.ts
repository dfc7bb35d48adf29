import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDataset } from '../../../src/data/load.js';
import { fixture } from './helpers.js';

describe('converters', () => {
  it('HH-RLHF splits at the last shared assistant turn', async () => {
    const { records, skipped } = await loadDataset(fixture('hh-rlhf.jsonl'), { format: 'preference', converter: 'hh-rlhf', onError: 'skip' });
    assert.deepEqual(records, [
      {
        kind: 'preference',
        prompt: [{ role: 'user', content: 'What is the capital of France?' }],
        chosen: [{ role: 'assistant', content: 'Paris.' }],
        rejected: [{ role: 'assistant', content: "I don't know." }],
      },
      {
        kind: 'preference',
        prompt: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello! How can I help?' },
          { role: 'user', content: 'Tell me a joke.' },
        ],
        chosen: [{ role: 'assistant', content: 'Why did the chicken cross the road? To get to the other side.' }],
        rejected: [{ role: 'assistant', content: 'No.' }],
      },
    ]);
    assert.deepEqual(skipped, [{ line: 3, message: `field 'chosen' has no "\\n\\nHuman:" or "\\n\\nAssistant:" turns` }]);
  });

  it('BELLE rows become SFT records', async () => {
    const { records, skipped } = await loadDataset(fixture('belle.jsonl'), { format: 'sft', converter: 'belle', onError: 'skip' });
    assert.deepEqual(records, [
      { kind: 'sft', prompt: '将下面的句子翻译成英文\n\n我喜欢猫。', response: 'I like cats.' },
      { kind: 'sft', prompt: '写一首关于春天的短诗', response: '春风拂面，花开满园。' },
    ]);
    assert.deepEqual(skipped, [{ line: 3, message: "field 'output' is missing" }]);
  });

  it('Alpaca-Chinese rows become SFT records (JSON array file)', async () => {
    const { records } = await loadDataset(fixture('alpaca-chinese.json'), { format: 'sft', converter: 'alpaca-chinese' });
    assert.deepEqual(records, [
      { kind: 'sft', prompt: '给出三个保持健康的建议。', response: '1. 均衡饮食。2. 规律运动。3. 充足睡眠。' },
      { kind: 'sft', prompt: '计算\n\n2 + 3', response: '5' },
    ]);
  });

  it('MOSS chats become conversations in turn order', async () => {
    await assert.rejects(loadDataset(fixture('moss.jsonl'), { format: 'conversation', converter: 'moss' }), {
      name: 'DataError', message: `${fixture('moss.jsonl')}:2: field 'chat.turn_1.MOSS' is missing`, field: 'chat.turn_1.MOSS', line: 2,
    });
    const { records, skipped } = await loadDataset(fixture('moss.jsonl'), { format: 'conversation', converter: 'moss', onError: 'skip' });
    assert.deepEqual(records, [{
      kind: 'conversation',
      messages: [
        { role: 'system', content: 'You are MOSS, an AI assistant.' },
        { role: 'user', content: '你好' },
        { role: 'assistant', content: '你好！有什么可以帮你？' },
        { role: 'user', content: '谢谢' },
        { role: 'assistant', content: '不客气！' },
      ],
    }]);
    assert.deepEqual(skipped, [{ line: 2, message: "field 'chat.turn_1.MOSS' is missing" }]);
  });

  it('a converter whose kind differs from format is a config error', async () => {
    await assert.rejects(loadDataset(fixture('belle.jsonl'), { format: 'preference', converter: 'belle' }),
      /converter 'belle' produces 'sft' records, but format is 'preference'/);
  });
});
