import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, it } from 'node:test';
import { loadDataset } from '../../../src/data/load.js';
import { detectFileFormat, readJsonl, readParquet } from '../../../src/data/readers/index.js';
import { fixture } from '../formats/helpers.js';

// A real gc() so the streaming test measures retained memory, not garbage awaiting collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const tmp = mkdtempSync(join(tmpdir(), 'rlhf-readers-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('readers', () => {
  it('detects the container by extension', () => {
    assert.equal(detectFileFormat('a/b.JSONL'), 'jsonl');
    assert.equal(detectFileFormat('b.json'), 'json');
    assert.equal(detectFileFormat('b.parquet'), 'parquet');
    assert.equal(detectFileFormat('corpus.TXT'), 'txt');
    assert.throws(() => detectFileFormat('b.csv'), /b\.csv: unknown file extension '\.csv'/);
  });

  it('streams a 50k-line JSONL file without holding it whole', async () => {
    const file = join(tmp, 'big.jsonl');
    const out = createWriteStream(file);
    const lines = 50_000;
    for (let i = 0; i < lines; i++) {
      if (!out.write(`{"prompt": "question ${i} ${'x'.repeat(100)}", "response": "answer ${i}"}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const size = statSync(file).size;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let count = 0;
    let lastLine = 0;
    let peak = 0;
    for await (const row of readJsonl(file)) {
      count++;
      lastLine = row.source.line;
      // Retained memory mid-file must be a small fraction of the file if rows are streamed.
      if (count % 10_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
      }
    }
    assert.equal(count, lines);
    assert.equal(lastLine, lines);
    assert.ok(size > 5_000_000, `file is ${size} bytes`);
    assert.ok(peak < size / 4, `heap grew ${peak} bytes while streaming a ${size}-byte file`);
  });

  it('reads a Parquet fixture (two row groups) with row numbers', async () => {
    const file = fixture('sft.parquet');
    const rows = [];
    for await (const row of readParquet(file)) rows.push(row);
    assert.deepEqual(rows.map((r) => r.source), [{ file, line: 1 }, { file, line: 2 }, { file, line: 3 }]);
    assert.deepEqual(rows[0]?.value, { id: 1, prompt: 'What is 2+2?', response: '4' });
    const { records } = await loadDataset(file, { format: 'sft' });
    assert.deepEqual(records, [
      { kind: 'sft', prompt: 'What is 2+2?', response: '4' },
      { kind: 'sft', prompt: 'Name a colour.', response: 'Blue.' },
      { kind: 'sft', prompt: '你好', response: '你好！' },
    ]);
  });
});
