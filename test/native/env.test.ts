import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));

function threadsWith(value: string): { status: number | null; stdout: string; stderr: string } {
  const code = `const { getNumThreads } = await import(${JSON.stringify(entry)}); console.log(getNumThreads());`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, RLHF_NUM_THREADS: value },
    encoding: 'utf8',
  });
}

test('RLHF_NUM_THREADS sets the intra-op thread count at load', () => {
  const r = threadsWith('3');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '3');
});

test('a malformed RLHF_NUM_THREADS is refused with the value quoted', () => {
  const r = threadsWith('two');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /RLHF_NUM_THREADS must be a positive integer, got 'two'/);
});
