import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { formatDuration, formatProgressLine, TrainingProgress } from '../../src/monitor/index.js';

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  let out = '';
  const stream = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } });
  return { stream, text: () => out };
}

test('formatDuration and formatProgressLine', () => {
  assert.equal(formatDuration(3), '3s');
  assert.equal(formatDuration(123), '2m03s');
  assert.equal(formatDuration(3723), '1h02m03s');
  assert.equal(formatDuration(Number.NaN), '?');
  assert.equal(
    formatProgressLine(10, 100, { loss: 2.31, lr: 1e-4, samplesPerSec: 12.5, etaSec: 72 }),
    'step 10/100 (10%) | loss 2.3100 | lr 1.00e-4 | 12.5 samples/s | eta 1m12s',
  );
});

test('not a TTY: plain lines, throttled, with samples/s and ETA; the last step always printed', () => {
  const { stream, text } = sink();
  let now = 0;
  const bar = new TrainingProgress(4, { stream, tty: false, plainIntervalMs: 1500, now: () => now });
  for (let step = 1; step <= 4; step++) {
    now += 1000;
    bar.update(step, { loss: 1 / step, lr: 0.1, samples: 8 });
  }
  bar.stop();
  const lines = text().trim().split('\n');
  assert.deepEqual(lines, [
    'step 1/4 (25%) | loss 1.0000 | lr 1.00e-1 | 8.0 samples/s | eta 3s',
    'step 3/4 (75%) | loss 0.3333 | lr 1.00e-1 | 8.0 samples/s | eta 1s',
    'step 4/4 (100%) | loss 0.2500 | lr 1.00e-1 | 8.0 samples/s | eta 0s',
  ]);
});

test('TTY: draws a cli-progress bar', () => {
  const { stream, text } = sink();
  const bar = new TrainingProgress(2, { stream, tty: true });
  bar.update(1, { loss: 0.5, lr: 0.01, samples: 4 });
  bar.stop();
  assert.match(text(), /loss 0\.5000 \| lr 1\.00e-2/);
});
