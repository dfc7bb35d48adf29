/** Every command answers --help; failures are one line plus a hint, with exit code 1. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const rlhf = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('rlhf --help lists the commands and each command has --help', () => {
  const top = rlhf('--help');
  assert.equal(top.status, 0);
  const names = [...top.stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1] as string);
  assert.ok(names.includes('generate') && names.includes('merge-lora') && names.includes('demo'), top.stdout);
  for (const name of names) {
    const r = rlhf(name, '--help');
    assert.equal(r.status, 0, `${name} --help`);
    assert.match(r.stdout, new RegExp(`usage: rlhf ${name}`));
  }
});

test('errors are one readable line with a hint; --verbose adds the stack', () => {
  const r = rlhf('generate', '--model', '/nonexistent-model', '--prompt', 'hi');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'rlhf: /nonexistent-model/config.json: not found; a Hugging Face model directory needs config.json\nhint: check the path; a model directory holds config.json and model.safetensors\n');
  const verbose = rlhf('generate', '--model', '/nonexistent-model', '--prompt', 'hi', '--verbose');
  assert.match(verbose.stderr, /\n\s+at /);
  const unknown = rlhf('frobnicate');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});
