/** The trainer's progress bar counts each step's samples once: samples/s is samples seen / seconds. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { runSft } from '../../../src/trainers/sft/index.js';
import { countingSftConfig } from '../../helpers/sft-run.js';

test('samples/s counts 4 samples per step of batch 4, not the running total again each step', async () => {
  let text = '';
  const stream = new Writable({ write: (chunk, _e, cb) => { text += String(chunk); cb(); } });
  let calls = 0;
  const now = () => (calls++ === 0 ? 0 : 1000); // the run starts at 0 ms; every step reports at 1 s
  await runSft(countingSftConfig({ max_steps: 4, per_device_train_batch_size: 4 }), { progress: { stream, tty: false, plainIntervalMs: 0, now } });
  const rates = [...text.matchAll(/\| ([\d.]+) samples\/s/g)].map((m) => Number(m[1]));
  assert.deepEqual(rates, [4, 8, 12, 16]);
});
