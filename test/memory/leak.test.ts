import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

interface LoopReport {
  baseline: { numTensors: number; numBytes: number };
  samples: { step: number; numTensors: number; numBytes: number; rssMiB: number }[];
  firstLoss: number;
  lastLoss: number;
}

test('4000 training steps keep the live tensor count, native bytes and RSS flat', () => {
  // A small young generation makes V8's own heap reach its steady size within the warm-up,
  // so what RSS shows afterwards is native memory.
  const script = fileURLToPath(new URL('./training-loop.js', import.meta.url));
  const run = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=2', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as LoopReport;

  for (const s of report.samples) {
    assert.equal(s.numTensors, report.baseline.numTensors, `live tensors changed by step ${s.step}`);
    assert.equal(s.numBytes, report.baseline.numBytes, `native bytes changed by step ${s.step}`);
  }
  const rss = report.samples.map((s) => s.rssMiB);
  const growth = Math.max(...rss) - (rss[0] ?? NaN);
  assert.ok(growth < 8, `RSS grew by ${growth.toFixed(1)} MiB over 3000 steps: ${rss.map((r) => r.toFixed(1)).join(', ')}`);
  assert.ok(report.lastLoss < report.firstLoss, `the loss should fall (${report.firstLoss} -> ${report.lastLoss})`);
});
