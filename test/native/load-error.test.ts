import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));

function importWithAddon(addon: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(entry)})`], {
    env: { ...process.env, RLHF_TORCH_ADDON: addon },
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr };
}

test('a missing addon fails with instructions, not a dlopen error', () => {
  const { status, stderr } = importWithAddon('/nonexistent/rlhf_torch.node');
  assert.notEqual(status, 0);
  assert.match(stderr, /the libtorch addon is not built \(looked for \/nonexistent\/rlhf_torch\.node\)/);
  assert.match(stderr, /apt-get install libtorch-dev/);
  assert.match(stderr, /LIBTORCH/);
});

test('an addon that cannot be loaded says why and how to fix it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-addon-'));
  const broken = join(dir, 'rlhf_torch.node');
  writeFileSync(broken, 'not a shared object');
  const { status, stderr } = importWithAddon(broken);
  assert.notEqual(status, 0);
  assert.match(stderr, new RegExp(`the libtorch addon at ${broken.replace(/[.]/g, '\\.')} failed to load`));
  assert.match(stderr, /scripts\/setup\.sh/);
});
