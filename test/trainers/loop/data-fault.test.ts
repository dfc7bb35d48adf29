/**
 * trainers/loop/data-fault.ts: an index error in a step names the record that causes it — a token
 * id or label outside the vocabulary, a sequence longer than GPT-2's positions — by file:line
 * (data/origin.ts), and a real run on the GPT-2 fixture stops with that message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { trainWithConfig } from '../../../src/cli/train-command.js';
import { setOrigin } from '../../../src/data/index.js';
import { dataFaultError, DataFaultError, exampleFault, isIndexFault, modelLimits } from '../../../src/trainers/loop/data-fault.js';

const LIMITS = { vocabSize: 100, maxPositions: 16, numLabels: null };

test('exampleFault finds an id beyond the vocabulary, a label beyond it, and a sequence past the positions', () => {
  const ok = { inputIds: [1, 2, 3], labels: [-100, 2, 3], completionMask: [0, 1, 1] };
  assert.equal(exampleFault(ok, LIMITS), null);
  assert.match(exampleFault({ ...ok, inputIds: [1, 250, 3] }, LIMITS) ?? '', /^token id 250 at position 1 of inputIds is outside the model's vocabulary \(0\.\.99\)/);
  assert.match(exampleFault({ ...ok, labels: [-100, 2, 100] }, LIMITS) ?? '', /^label 100 at position 2 is outside the vocabulary \(0\.\.99\)/);
  assert.match(exampleFault({ promptIds: [1, 2], chosenIds: [3, 4], rejectedIds: [5, -7] }, LIMITS) ?? '', /token id -7 at position 1 of rejectedIds/);
  assert.match(exampleFault({ inputIds: Array(20).fill(1), labels: Array(20).fill(-100) }, LIMITS) ?? '', /^20 tokens, longer than the model's 16 positions: set data\.max_length to at most 16/);
  assert.match(exampleFault({ teacher: { inputIds: [1, 400] } }, LIMITS) ?? '', /token id 400 at position 1 of teacher\.inputIds/);
  assert.match(exampleFault({ inputIds: [1], labels: [3] }, { ...LIMITS, numLabels: 2 }) ?? '', /label 3 at position 0 is outside the head's 2 classes/);
});

test('dataFaultError names the records by file:line, and says so when no example breaks the limits', () => {
  const bad = { inputIds: [1, 250], labels: [-100, 5] };
  const good = { inputIds: [1, 2], labels: [-100, 5] };
  setOrigin(bad, { file: 'data/train.jsonl', line: 37 });
  const libtorch = new Error('index out of range in self\nException raised from operator() at ...');
  assert.ok(isIndexFault(libtorch) && isIndexFault(new Error('CUDA error: device-side assert triggered')) && !isIndexFault(new Error('shape mismatch')));
  const err = dataFaultError(libtorch, 12, [good, bad], LIMITS);
  assert.ok(err instanceof DataFaultError && err.cause === libtorch);
  assert.match(err.message, /^step 12: an index went out of range \(index out of range in self\); the likely cause is the data:\n {2}data\/train\.jsonl:37: token id 250 at position 1 of inputIds/);
  const none = dataFaultError(libtorch, 3, [good], LIMITS);
  assert.match(none.message, /no example of this micro-batch breaks the model's limits \(vocabulary 100, 16 positions\); its records: example 1 of the micro-batch/);
  assert.deepEqual(modelLimits({ config: { vocabSize: 512, nPositions: 128 } }), { vocabSize: 512, maxPositions: 128, numLabels: null });
});

test('an SFT run on GPT-2 with sequences past n_positions stops at step 1 naming the record', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'data-fault-'));
  const data = join(dir, 'sft.jsonl');
  const long = Array.from({ length: 200 }, (_, k) => `w${k % 7}`).join(' ');
  writeFileSync(data, [JSON.stringify({ prompt: 'Hi.', response: ' short' }), JSON.stringify({ prompt: 'Tell me.', response: ` ${long}` })].join('\n'));
  const config = RunConfig.parse({
    model: { name_or_path: 'test/fixtures/models/tiny-gpt2', tokenizer_name_or_path: 'test/fixtures/models/tiny-qwen2' },
    training: { algorithm: 'sft', output_dir: join(dir, 'out'), max_steps: 1, per_device_train_batch_size: 2, seed: 1 },
    data: { max_length: 512, datasets: { sft: { train_files: [{ path: data }] } } },
  });
  const err = await trainWithConfig(config).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DataFaultError, String(err));
  assert.match(err.message, new RegExp(`^step 1: an index went out of range \\(forward: \\d+ positions exceed GPT-2's n_positions \\(128\\)\\); the likely cause is the data:\\n {2}${data.replace(/[.]/g, '\\.')}:2: \\d+ tokens, longer than the model's 128 positions: set data\\.max_length to at most 128`));
});
