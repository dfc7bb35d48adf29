/** serve, through its HTTP API: saves before answering, resumes per annotator, rejects bad requests with JSON errors. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTask } from '../../src/human-eval/create.js';
import { readJudgments } from '../../src/human-eval/judgments.js';
import { startServer, type AnnotatorState, type RunningServer } from '../../src/human-eval/server.js';

async function makeTask(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'heval-server-'));
  const prompts = ['one', 'two', 'three'];
  writeFileSync(join(dir, 'a.jsonl'), prompts.map((p) => JSON.stringify({ prompt: p, response: `a:${p}` })).join('\n'));
  writeFileSync(join(dir, 'b.jsonl'), prompts.map((p) => JSON.stringify({ prompt: p, response: `b:${p}` })).join('\n'));
  await createTask({ files: [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')], out: join(dir, 'task') });
  return join(dir, 'task');
}

async function call(server: RunningServer, path: string, body?: unknown, raw?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(new URL(path, server.url), body === undefined && raw === undefined ? {} : { method: 'POST', body: raw ?? JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('judgments are on disk when the answer comes, and each annotator resumes at their next item', async () => {
  const dir = await makeTask();
  let server = await startServer({ dir, port: 0 });
  try {
    const start = (await call(server, '/api/state?annotator=ana')).json as unknown as AnnotatorState;
    assert.deepEqual([start.judged, start.total, start.item?.id, start.item?.position, start.item?.prompt], [0, 3, 'item-0001', 1, 'one']);
    const saved = await call(server, '/api/judgments', { annotator: 'ana', item: 'item-0001', choice: 'b', comment: '  crisper  ', elapsed_ms: 1234.4 });
    assert.equal(saved.status, 200);
    assert.equal((saved.json as unknown as AnnotatorState).item?.id, 'item-0002');
    // Read back synchronously, right after the reply: already in the file.
    const [first] = readJudgments(join(dir, 'judgments.jsonl')).judgments;
    assert.deepEqual({ ...first, time: undefined }, { item: 'item-0001', annotator: 'ana', choice: 'b', comment: 'crisper', elapsed_ms: 1234, time: undefined });
    // Judged out of order (another tab): the next item is still the first unjudged one.
    assert.equal((await call(server, '/api/judgments', { annotator: 'ana', item: 'item-0003', choice: 'tie' })).status, 200);
    const bob = (await call(server, '/api/state?annotator=bob')).json as unknown as AnnotatorState;
    assert.deepEqual([bob.judged, bob.item?.id], [0, 'item-0001']);

    await server.close();
    server = await startServer({ dir, port: 0 });
    const resumed = (await call(server, '/api/state?annotator=%20ana%20')).json as unknown as AnnotatorState;
    assert.deepEqual([resumed.annotator, resumed.judged, resumed.item?.id, resumed.item?.position], ['ana', 2, 'item-0002', 2]);
    await call(server, '/api/judgments', { annotator: 'ana', item: 'item-0002', choice: 'both_bad' });
    const done = (await call(server, '/api/state?annotator=ana')).json as unknown as AnnotatorState;
    assert.deepEqual([done.judged, done.item], [3, null]);
  } finally {
    await server.close();
  }
});

test('bad requests get a status and a JSON error that says what is wrong', async () => {
  const dir = await makeTask();
  const server = await startServer({ dir, port: 0 });
  try {
    const expectError = async (status: number, pattern: RegExp, path: string, body?: unknown, raw?: string) => {
      const r = await call(server, path, body, raw);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.match(String(r.json.error), pattern);
      return r.json;
    };
    const ok = { annotator: 'ana', item: 'item-0001', choice: 'a' };
    await expectError(400, /annotator is required/, '/api/state');
    await expectError(400, /must not be empty/, '/api/state?annotator=%20');
    await expectError(400, /at most 64 characters/, `/api/state?annotator=${'x'.repeat(65)}`);
    await expectError(400, /not valid JSON/, '/api/judgments', undefined, '{"annotator":');
    await expectError(400, /body is empty/, '/api/judgments', undefined, '');
    await expectError(400, /must be a JSON object/, '/api/judgments', [ok]);
    await expectError(400, /choice must be one of a, b, tie, both_bad; got "c"/, '/api/judgments', { ...ok, choice: 'c' });
    await expectError(400, /unknown field 'model'/, '/api/judgments', { ...ok, model: 'x' });
    await expectError(400, /comment must be a string/, '/api/judgments', { ...ok, comment: 3 });
    await expectError(400, /elapsed_ms must be a non-negative number/, '/api/judgments', { ...ok, elapsed_ms: -1 });
    await expectError(404, /no item 'item-9999' in this task/, '/api/judgments', { ...ok, item: 'item-9999' });
    await expectError(405, /takes POST, not GET/, '/api/judgments');
    await expectError(404, /no such path: \/admin/, '/admin');
    await expectError(413, /over 65536 bytes/, '/api/judgments', { ...ok, comment: 'x'.repeat(70_000) });
    assert.equal((await call(server, '/api/judgments', ok)).status, 200);
    const dup = await expectError(409, /ana has already judged item-0001/, '/api/judgments', { ...ok, choice: 'b' });
    assert.equal((dup.state as AnnotatorState).item?.id, 'item-0002');
    // Only the one good judgment reached the file.
    assert.equal(readFileSync(join(dir, 'judgments.jsonl'), 'utf8').trim().split('\n').length, 1);
    // The page is served and names no model.
    const page = await (await fetch(server.url)).text();
    assert.match(page, /<title>Human evaluation<\/title>/);
  } finally {
    await server.close();
  }
});

test('a line cut short by a crash is skipped, and the next judgment starts on a fresh line', async () => {
  const dir = await makeTask();
  const path = join(dir, 'judgments.jsonl');
  writeFileSync(path, JSON.stringify({ item: 'item-0001', annotator: 'ana', choice: 'a', time: 't' }) + '\n');
  appendFileSync(path, '{"item":"item-0002","annotator":"ana","cho');
  const server = await startServer({ dir, port: 0 });
  try {
    assert.deepEqual(server.log.skipped.map((s) => s.line), [2]);
    assert.equal(((await call(server, '/api/state?annotator=ana')).json as unknown as AnnotatorState).item?.id, 'item-0002');
    await call(server, '/api/judgments', { annotator: 'ana', item: 'item-0002', choice: 'tie' });
  } finally {
    await server.close();
  }
  const { judgments, skipped } = readJudgments(path);
  assert.deepEqual(judgments.map((j) => j.item), ['item-0001', 'item-0002']);
  assert.equal(skipped.length, 1);
});

test('a port in use is one clear error', async () => {
  const dir = await makeTask();
  const server = await startServer({ dir, port: 0 });
  try {
    const port = Number(new URL(server.url).port);
    await assert.rejects(startServer({ dir, port }), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use; pick another with --port`));
  } finally {
    await server.close();
  }
});
