/** `rlhf embed`: JSONL out in input order, equal to embedTexts; --input as text or JSONL; flag errors. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readTexts } from '../../src/cli/embed-command.js';
import { contrastiveGolden } from '../contrastive/fixture.js';
import { assertClose } from '../helpers/assert.js';
import { modelDir } from '../models/model-fixtures.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const rlhf = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; embedding: number[] });

test('rlhf embed writes one {text, embedding} line per input, in order, equal to transformers\' pooled states', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embed-'));
  try {
    const g = contrastiveGolden().tiny_qwen2;
    const input = join(dir, 'texts.jsonl');
    writeFileSync(input, `${g.texts.map((text: string) => JSON.stringify({ text, id: 1 })).join('\n')}\n`);
    const out = join(dir, 'cls.jsonl');
    const r = rlhf('embed', '--model', modelDir('tiny-qwen2'), '--input', input, '--pooling', 'cls', '--batch-size', '3', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /step 2\/2 \(100%\)/, 'a progress line per batch on stderr');
    assert.match(r.stderr, /embed: 4 texts, 64 dimensions \(cls\)/);
    const rows = lines(out);
    assert.deepEqual(rows.map((row) => row.text), g.texts);
    assertClose(rows.map((row) => row.embedding), g.cls, { atol: 1e-4, rtol: 0 });

    const plain = join(dir, 'texts.txt');
    writeFileSync(plain, `${g.texts[1]}\n\n${g.texts[0]}\n`);
    const stdout = rlhf('embed', '--model', modelDir('tiny-qwen2'), '--input', plain, '--normalize');
    assert.equal(stdout.status, 0, stdout.stderr);
    const printed = stdout.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; embedding: number[] });
    assert.deepEqual(printed.map((row) => row.text), [g.texts[1], g.texts[0]], 'blank lines skipped, order kept');
    assertClose(printed.map((row) => row.embedding), [g.mean_normalized[1], g.mean_normalized[0]], { atol: 1e-4, rtol: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rlhf embed refuses bad flags with one line naming them; readTexts names file:line', () => {
  const model = modelDir('tiny-qwen2');
  assert.match(rlhf('embed', '--model', model).stderr, /give --text or --input/);
  assert.match(rlhf('embed', '--model', model, '--text', 'a', '--pooling', 'max').stderr, /--pooling must be mean, cls, last, got 'max'/);
  assert.match(rlhf('embed', '--model', model, '--text', 'a', '--batch-size', '0').stderr, /--batch-size expects a positive integer, got '0'/);
  const dir = mkdtempSync(join(tmpdir(), 'embed-'));
  try {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text": "ok"}\n{"sentence": "no"}\n');
    assert.throws(() => readTexts(bad), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: expected an object with a "text" string`));
    writeFileSync(bad, '\n');
    assert.throws(() => readTexts(bad), /no texts to embed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
