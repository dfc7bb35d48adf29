/** The `pair` record kind: {anchor, positive[, negative]} rows, errors with file:line, the other kinds untouched. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DATA_KINDS, DataError, loadDataset, parsePair, parseRecord } from '../../../src/data/index.js';
import { kindOfRow } from '../../../src/eval/eval-data.js';

const ctx = { source: { file: 'pairs.jsonl', line: 3 }, options: {} };

test('pair rows parse into records, with the optional hard negative', () => {
  assert.deepEqual(parsePair({ anchor: 'A cat sits.', positive: 'A cat is sitting.' }, ctx), { kind: 'pair', anchor: 'A cat sits.', positive: 'A cat is sitting.' });
  assert.deepEqual(parseRecord('pair', { anchor: '猫', positive: '一只猫', negative: '一只狗', score: 1 }, ctx.source), {
    kind: 'pair', anchor: '猫', positive: '一只猫', negative: '一只狗',
  });
  assert.ok(DATA_KINDS.includes('pair'));
  assert.equal(kindOfRow({ anchor: 'a', positive: 'b' }), 'pair');
  assert.equal(kindOfRow({ prompt: 'p', chosen: 'c', rejected: 'r' }), 'preference', 'other kinds are detected as before');
});

test('bad pair rows name file:line, the field and what a pair row looks like', () => {
  const bad: [unknown, RegExp][] = [
    [{ anchor: 'a' }, /^pairs\.jsonl:3: field 'positive' is missing; a pair row is \{"anchor": "\.\.\.", "positive": "\.\.\."\} with an optional "negative", got fields 'anchor'$/],
    [{ sentence1: 'a', sentence2: 'b' }, /field 'anchor' is missing; .* got fields 'sentence1', 'sentence2'/],
    [{ anchor: 'a', positive: 3 }, /^pairs\.jsonl:3: field 'positive' must be a string, got number$/],
    [{ anchor: '  ', positive: 'b' }, /^pairs\.jsonl:3: empty text in field 'anchor'$/],
    [{ anchor: 'a', positive: 'b', negative: '' }, /empty text in field 'negative'/],
    [['a', 'b'], /^pairs\.jsonl:3: row must be an object, got array$/],
  ];
  for (const [row, message] of bad) {
    assert.throws(() => parsePair(row, ctx), (err: unknown) => err instanceof DataError && message.test(err.message), JSON.stringify(row));
  }
  assert.deepEqual(parsePair({ anchor: '', positive: 'b' }, { ...ctx, options: { allowEmpty: true } }), { kind: 'pair', anchor: '', positive: 'b' });
});

test('loadDataset reads a pair file; a bad line is skipped and reported by line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairs-'));
  try {
    const path = join(dir, 'pairs.jsonl');
    writeFileSync(path, `${JSON.stringify({ anchor: 'a', positive: 'b' })}\n${JSON.stringify({ anchor: 'c' })}\n${JSON.stringify({ anchor: 'e', positive: 'f', negative: 'g' })}\n`);
    const { records, skipped } = await loadDataset(path, { format: 'pair', onError: 'skip', reportSkipped: null });
    assert.deepEqual(records, [{ kind: 'pair', anchor: 'a', positive: 'b' }, { kind: 'pair', anchor: 'e', positive: 'f', negative: 'g' }]);
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]?.line, 2);
    await assert.rejects(loadDataset(path, { format: 'pair' }), new RegExp(`^DataError: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: field 'positive' is missing`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
