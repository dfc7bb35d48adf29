/**
 * Raw-text corpora for pretraining: documents streamed from .txt (line and blank-line modes) and
 * JSONL, files interleaved by weight, and packed token blocks on disk (exact ids, EOS between
 * documents, restarting positions, labels, padding of the last block, the cache and its rebuild).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTokenBlocks, DataError, streamDocuments, TokenBlocks, type CorpusDocument } from '../../../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
async function all(it: AsyncIterable<CorpusDocument>): Promise<CorpusDocument[]> {
  const out: CorpusDocument[] = [];
  for await (const d of it) out.push(d);
  return out;
}

test('.txt documents are lines, or blank-line separated paragraphs; JSONL rows give their text field, with file:line', async () => {
  const txt = file('a.txt', 'first doc\n\nsecond doc\nstill second\n\n\nthird\n');
  assert.deepEqual((await all(streamDocuments([{ path: txt }]))).map((d) => [d.text, d.source.line]), [['first doc', 1], ['second doc', 3], ['still second', 4], ['third', 7]]);
  assert.deepEqual((await all(streamDocuments([{ path: txt }], { textDocuments: 'blank_line' }))).map((d) => [d.text, d.source.line]), [['first doc', 1], ['second doc\nstill second', 3], ['third', 7]]);
  const jsonl = file('b.jsonl', '{"text": "alpha"}\n{"text": "beta"}\n');
  assert.deepEqual((await all(streamDocuments([{ path: jsonl }]))).map((d) => d.text), ['alpha', 'beta']);
  const bad = file('bad.jsonl', '{"text": "ok"}\n{"body": "no text"}\n');
  await assert.rejects(all(streamDocuments([{ path: bad }])), (err: unknown) => err instanceof DataError && /bad\.jsonl:2/.test(err.message) && /text/.test(err.message));
  assert.deepEqual((await all(streamDocuments([{ path: bad }], { onError: 'skip' }))).map((d) => d.text), ['ok']);
});

test('several files interleave by weight, the same order for the same seed, every document once', async () => {
  const a = file('w-a.txt', Array.from({ length: 300 }, (_, i) => `a${i}`).join('\n'));
  const b = file('w-b.txt', Array.from({ length: 300 }, (_, i) => `b${i}`).join('\n'));
  const one = (await all(streamDocuments([{ path: a, weight: 3 }, { path: b, weight: 1 }], { seed: 7 }))).map((d) => d.text);
  const two = (await all(streamDocuments([{ path: a, weight: 3 }, { path: b, weight: 1 }], { seed: 7 }))).map((d) => d.text);
  assert.deepEqual(one, two);
  assert.equal(one.length, 600);
  assert.equal(new Set(one).size, 600);
  // In the first 200 draws both files are open: about 3/4 from a (binomial, n 200, p 0.75: sd 6.1).
  const fromA = one.slice(0, 200).filter((t) => t.startsWith('a')).length;
  assert.ok(Math.abs(fromA - 150) < 25, `${fromA} of 200 from the weight-3 file`);
  assert.notDeepEqual(one, (await all(streamDocuments([{ path: a, weight: 3 }, { path: b, weight: 1 }], { seed: 8 }))).map((d) => d.text));
});

test('token blocks: documents end with EOS and run on across blocks; positions restart and the first token of a document has no label', async () => {
  const txt = file('blocks.txt', 'abc\nde\nfghij\n');
  const encode = (t: string) => [...[...t].map((c) => c.charCodeAt(0) - 96), 0]; // a=1, b=2, ..., then EOS 0
  const out = join(dir, 'cache1');
  const blocks = await buildTokenBlocks(streamDocuments([{ path: txt }]), encode, { dir: out, blockLength: 4, eosTokenId: 0, padTokenId: 99, fingerprint: 'f1' });
  // Stream: a b c EOS | d e EOS f | g h i j | EOS (+3 pad)
  assert.deepEqual(blocks.meta, { fingerprint: 'f1', blockLength: 4, blocks: 4, lastBlockTokens: 1, documents: 3, tokens: 13, eosTokenId: 0, padTokenId: 99 });
  assert.deepEqual(blocks.at(0), { inputIds: [1, 2, 3, 0], labels: [-100, 2, 3, 0], positionIds: [0, 1, 2, 3], numExamples: 1 });
  assert.deepEqual(blocks.at(1), { inputIds: [4, 5, 0, 6], labels: [-100, 5, 0, -100], positionIds: [0, 1, 2, 0], numExamples: 2 });
  assert.deepEqual(blocks.at(2), { inputIds: [7, 8, 9, 10], labels: [-100, 8, 9, 10], positionIds: [0, 1, 2, 3], numExamples: 1 });
  assert.deepEqual(blocks.at(3), { inputIds: [0, 99, 99, 99], labels: [-100, -100, -100, -100], positionIds: [0, 0, 1, 2], numExamples: 1 });
  assert.equal(blocks.at(4), undefined);
  blocks.close();
  // The cache opens with its own fingerprint only.
  assert.equal(TokenBlocks.open(out, 'f1')?.length, 4);
  assert.equal(TokenBlocks.open(out, 'other'), null);
  // A failed build leaves no cache behind.
  const broken = file('broken.jsonl', '{"text": "ok"}\nnot json\n');
  await assert.rejects(buildTokenBlocks(streamDocuments([{ path: broken }]), encode, { dir: join(dir, 'cache2'), blockLength: 4, eosTokenId: 0, padTokenId: 99, fingerprint: 'f2' }), /broken\.jsonl:2/);
  assert.equal(TokenBlocks.open(join(dir, 'cache2'), 'f2'), null);
});
