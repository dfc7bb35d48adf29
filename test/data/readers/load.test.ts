import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadDataset } from '../../../src/data/load.js';
import { fixture } from '../formats/helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'rlhf-load-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadDataset', () => {
  const sft = fixture('sft.jsonl');

  it("fails on the first bad row with file:line and field by default", async () => {
    await assert.rejects(loadDataset(sft, { format: 'sft' }), {
      name: 'DataError', message: `${sft}:5: field 'response' is missing`, file: sft, line: 5, field: 'response',
    });
  });

  it("skips bad rows and reports exactly which lines", async () => {
    const reported: string[] = [];
    const { records, skipped } = await loadDataset(sft, { format: 'sft', onError: 'skip', reportSkipped: (line) => reported.push(line) });
    assert.deepEqual(reported.slice(0, 3), [
      `data.on_error skip: skipped 4 of 7 rows of ${sft}`,
      `  ${sft}:5: field 'response' is missing`,
      `  ${sft}:6: field 'response' must be a string or a list of messages, got number`,
    ]);
    assert.equal(reported.length, 5);
    assert.deepEqual(records, [
      { kind: 'sft', prompt: 'What is 2+2?', response: '4' },
      { kind: 'sft', prompt: 'Translate to French\n\ncat', response: 'chat' },
      { kind: 'sft', prompt: 'Say hi', response: 'hi', system: 'Be brief.' },
    ]);
    assert.deepEqual(skipped.map((s) => s.line), [5, 6, 7, 8]);
    assert.deepEqual(skipped.slice(0, 3).map((s) => s.message), [
      "field 'response' is missing",
      "field 'response' must be a string or a list of messages, got number",
      "empty response in field 'response'",
    ]);
    assert.match(skipped[3]?.message ?? '', /^invalid JSON: /);
  });

  it('throws for an empty dataset', async () => {
    const empty = join(tmp, 'empty.jsonl');
    writeFileSync(empty, '\n\n');
    await assert.rejects(loadDataset(empty, { format: 'sft' }), { message: `${empty}: no records in ${empty}` });
    const allBad = join(tmp, 'bad.jsonl');
    writeFileSync(allBad, '{"prompt": "x"}\n');
    await assert.rejects(loadDataset(allBad, { format: 'sft', onError: 'skip' }),
      { message: `${allBad}: no records in ${allBad} (all 1 rows skipped; first at line 1: field 'response' is missing)` });
  });

  it('reads JSON files: a bare array or {"data": [...]}, line = index + 1', async () => {
    const file = join(tmp, 'prefs.json');
    writeFileSync(file, JSON.stringify({ data: [{ prompt: 'P', chosen: 'A', rejected: 'B' }, { prompt: 'P', chosen: 'A' }] }));
    await assert.rejects(loadDataset(file, { format: 'preference' }), { message: `${file}:2: field 'rejected' is missing` });
    const { records } = await loadDataset(file, { format: 'preference', onError: 'skip' });
    assert.deepEqual(records, [{ kind: 'preference', prompt: 'P', chosen: 'A', rejected: 'B' }]);
  });

  it('names a missing file and an unknown extension', async () => {
    const missing = join(tmp, 'nope.jsonl');
    await assert.rejects(loadDataset(missing, { format: 'sft' }), { name: 'DataError', message: `${missing}: no such file: ${missing}` });
    await assert.rejects(loadDataset(join(tmp, 'x.csv'), { format: 'sft' }),
      { message: `${join(tmp, 'x.csv')}: unknown file extension '.csv'; expected one of .json, .jsonl, .ndjson, .parquet, .txt` });
  });

  it('loads stepwise, prompt and teacher/student files', async () => {
    const file = join(tmp, 'mixed.jsonl');
    writeFileSync(file, '{"prompt": "1+1?", "completions": ["2"], "labels": [true]}\n');
    assert.deepEqual((await loadDataset(file, { format: 'stepwise' })).records,
      [{ kind: 'stepwise', prompt: '1+1?', completions: ['2'], labels: [true] }]);
    assert.deepEqual((await loadDataset(file, { format: 'prompt' })).records, [{ kind: 'prompt', prompt: '1+1?' }]);
    await assert.rejects(loadDataset(file, { format: 'teacher_student' }), { message: `${file}:1: field 'teacher_response' is missing` });
  });
});
