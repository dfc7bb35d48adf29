import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALGORITHMS, TrainingConfig } from '../../../src/config/index.js';
import { planSteps } from '../../../src/trainers/loop/index.js';
import { IMPLEMENTED_ALGORITHMS, runTrain } from '../../../src/cli/train-command.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('planSteps: micro-batches, steps per epoch (partial accumulation rounds up) and max_steps', () => {
  const t = TrainingConfig.parse({ per_device_train_batch_size: 2, gradient_accumulation_steps: 3, num_epochs: 2 });
  assert.deepEqual(planSteps(13, t), { microBatchesPerEpoch: 7, stepsPerEpoch: 3, totalSteps: 6 });
  assert.equal(planSteps(13, { ...t, max_steps: 4 }).totalSteps, 4);
});

test('rlhf train runs every algorithm of the schema, and says what is missing', async () => {
  assert.deepEqual([...IMPLEMENTED_ALGORITHMS].sort(), [...ALGORITHMS].sort());
  const dir = mkdtempSync(join(tmpdir(), 'train-cli-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'model: {name_or_path: test/fixtures/models/tiny-qwen2}\ntraining: {algorithm: grpo}\ndata: {dataset_path: x.jsonl}\n');
  await assert.rejects(runTrain(['--config', file]), /training\.algorithm is grpo: set rewards\.functions or a reward model/);
  await assert.rejects(runTrain([]), /--config is required/);
});
