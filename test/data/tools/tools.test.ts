/** split, merge, synth-preference and the built-in sample data. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDataset, mergeRecords, splitRecords, synthesizePreferences, writeSampleData } from '../../../src/data/index.js';

const cli = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const records = Array.from({ length: 25 }, (_, i) => ({ id: i }));
const ids = (rs: { id: number }[]) => rs.map((r) => r.id);

test('split keeps every record exactly once, deterministically for a seed', () => {
  const a = splitRecords(records, { trainRatio: 0.8, shuffle: true, seed: 42 });
  const b = splitRecords(records, { trainRatio: 0.8, shuffle: true, seed: 42 });
  assert.equal(a.train.length, 20);
  assert.equal(a.validation.length, 5);
  assert.deepEqual([...ids(a.train), ...ids(a.validation)].sort((x, y) => x - y), ids(records));
  assert.deepEqual(a, b);
  assert.notDeepEqual(ids(a.train), ids(records.slice(0, 20)), 'shuffled');
  assert.deepEqual(ids(splitRecords(records, { trainRatio: 0.8 }).train), ids(records.slice(0, 20)), 'unshuffled keeps order');
  assert.throws(() => splitRecords(records, { trainRatio: 1.5 }), /between 0 and 1, got 1\.5/);
});

test('merge: concat keeps all, balanced takes the smallest count from each, weights set proportions', () => {
  const a = records.slice(0, 20).map((r) => ({ ...r, src: 'a' }));
  const b = records.slice(20).map((r) => ({ ...r, src: 'b' }));
  const sources = [{ name: 'a', records: a, weight: 2 }, { name: 'b', records: b, weight: 1 }];
  assert.deepEqual(mergeRecords(sources, { strategy: 'concat' }), [...a, ...b]);
  const balanced = mergeRecords(sources, { strategy: 'balanced', seed: 1 });
  assert.equal(balanced.filter((r) => r.src === 'a').length, 5);
  assert.equal(balanced.filter((r) => r.src === 'b').length, 5);
  const weighted = mergeRecords(sources, { strategy: 'weighted_sampling', size: 30, seed: 1 });
  assert.equal(weighted.filter((r) => r.src === 'a').length, 20);
  assert.equal(weighted.filter((r) => r.src === 'b').length, 10, 'b is upsampled beyond its 5 records');
  assert.equal(new Set(weighted.filter((r) => r.src === 'a').map((r) => r.id)).size, 20, 'a is drawn without replacement');
  assert.deepEqual(weighted, mergeRecords(sources, { strategy: 'weighted_sampling', size: 30, seed: 1 }));
});

test('synth-preference keeps the response as chosen and a different text as rejected', () => {
  const sft = [{ prompt: 'p1', response: 'answer one' }, { prompt: 'p2', response: 'answer two!' }, { prompt: 'p3', response: 'third answer' }];
  const pairs = synthesizePreferences(sft, 7);
  pairs.forEach((p, i) => {
    assert.equal(p.prompt, sft[i]?.prompt);
    assert.equal(p.chosen, sft[i]?.response);
    assert.notEqual(p.rejected, p.chosen);
  });
  assert.equal(pairs[1]?.rejected, 'ans', 'odd rows: the first third of the response');
});

test('sample data is deterministic for a seed and validates in its formats', async () => {
  const a = mkdtempSync(join(tmpdir(), 'rlhf-sample-'));
  const b = mkdtempSync(join(tmpdir(), 'rlhf-sample-'));
  const wa = writeSampleData(a, { sft: 30, preference: 12, eval: 5, seed: 3 });
  writeSampleData(b, { sft: 30, preference: 12, eval: 5, seed: 3 });
  for (const name of ['sft', 'preference', 'eval']) assert.equal(readFileSync(join(a, `${name}.jsonl`), 'utf8'), readFileSync(join(b, `${name}.jsonl`), 'utf8'));
  assert.equal((await loadDataset(wa.sft?.path ?? '', { format: 'sft' })).records.length, 30);
  assert.equal((await loadDataset(wa.preference?.path ?? '', { format: 'preference' })).records.length, 12);
  const evalSet = await loadDataset(wa.eval?.path ?? '', { format: 'prompt' });
  assert.ok(evalSet.records.every((r) => typeof r.reference === 'string' && r.reference.length > 0));
  assert.equal((await loadDataset(wa.sft_val?.path ?? '', { format: 'sft' })).records.length, 3);
  assert.equal((await loadDataset(wa.prompts?.path ?? '', { format: 'prompt' })).records.length, 15);
  const steps = (await loadDataset(wa.stepwise?.path ?? '', { format: 'stepwise' })).records;
  assert.equal(steps.length, 6);
  assert.ok(steps.some((s) => s.labels.includes(false)) && steps.every((s) => s.labels.length === s.completions.length));
  assert.equal((await loadDataset(wa.teacher_student?.path ?? '', { format: 'teacher_student' })).records.length, 6);
});

test('rlhf data validate lists bad lines with file:line and fails; split and merge write every record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rlhf-data-cli-'));
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"prompt":"a","response":"b"}\n{"prompt":"a"}\nnot json\n');
  const v = spawnSync(process.execPath, [cli, 'data', 'validate', bad, '--format', 'sft'], { encoding: 'utf8' });
  assert.equal(v.status, 1);
  assert.match(v.stdout, new RegExp(`${bad.replace(/[.]/g, '\\.')}:2: field 'response' is missing`));
  assert.match(v.stdout, new RegExp(`${bad.replace(/[.]/g, '\\.')}:3: `));
  assert.match(v.stdout, /1 valid sft records, 2 with errors/);

  const file = join(dir, 'all.jsonl');
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  assert.equal(spawnSync(process.execPath, [cli, 'data', 'split', file, '--train-ratio', '0.6', '--shuffle'], { encoding: 'utf8' }).status, 0);
  const read = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id);
  const train = read(join(dir, 'all.train.jsonl'));
  const validation = read(join(dir, 'all.validation.jsonl'));
  assert.equal(train.length, 15);
  assert.deepEqual([...train, ...validation].sort((x, y) => x - y), ids(records));
  const m = spawnSync(process.execPath, [cli, 'data', 'merge', join(dir, 'all.train.jsonl'), join(dir, 'all.validation.jsonl'), '--out', join(dir, 'm.jsonl')], { encoding: 'utf8' });
  assert.equal(m.status, 0, m.stderr);
  assert.deepEqual(read(join(dir, 'm.jsonl')), [...train, ...validation]);
});
