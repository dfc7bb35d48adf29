/** Sharded checkpoints in the layout transformers' save_pretrained writes. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, BYTES_PER_ELEMENT, randn, type Tensor } from '../../src/index.js';
import {
  INDEX_FILE_NAME, loadCheckpoint, loadShardedSafetensors, planShards, readSafetensorsMetadata, readShardIndex,
  SafetensorsError, saveShardedSafetensors, SINGLE_FILE_NAME,
} from '../../src/io/index.js';
import { scoped } from '../helpers/assert.js';

const scratchDir = mkdtempSync(join(tmpdir(), 'rlhf-sharded-'));
after(() => rmSync(scratchDir, { recursive: true, force: true }));

/** A small state dict: 6 layers of mixed dtypes, 1,248 bytes of data in all. */
function stateDict(): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (let i = 0; i < 6; i++) {
    tensors.set(`layers.${i}.weight`, randn([4, 8])); // 128 bytes
    tensors.set(`layers.${i}.bias`, randn([8], { dtype: 'bfloat16' })); // 16 bytes
    tensors.set(`layers.${i}.steps`, arange(i, i + 8)); // int64, 64 bytes
  }
  return tensors;
}

function bytesOf(t: Tensor): Buffer {
  const data = t.toTypedArray();
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function assertSameTensors(actual: Map<string, Tensor>, expected: Map<string, Tensor>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, want] of expected) {
    const got = actual.get(name) as Tensor;
    assert.equal(got.dtype, want.dtype, name);
    assert.deepEqual([...got.shape], [...want.shape], name);
    assert.ok(bytesOf(got).equals(bytesOf(want)), `${name} bytes`);
  }
}

test('planShards splits in order, as huggingface_hub does', () => {
  // The example from split_state_dict_into_shards_factory's docstring (limit 10).
  const sizes = [['a', 6], ['b', 6], ['c', 2], ['d', 6], ['e', 2], ['f', 2]] as const;
  assert.deepEqual(planShards(sizes, 10), [['a'], ['b', 'c'], ['d', 'e', 'f']]);
  // A tensor over the limit gets its own shard, ahead of the one still open.
  assert.deepEqual(planShards([['a', 3], ['big', 20], ['b', 3]], 10), [['big'], ['a', 'b']]);
  assert.deepEqual(planShards([], 10), []);
});

test('sharded save writes ≥3 shards and a correct index; every loader reads them back', scoped(() => {
  const dir = join(scratchDir, 'sharded');
  const tensors = stateDict();
  const maxShardBytes = 300;
  const result = saveShardedSafetensors(dir, tensors, { maxShardBytes });

  const expectedTotal = [...tensors.values()].reduce((sum, t) => sum + t.numel * BYTES_PER_ELEMENT[t.dtype], 0);
  assert.equal(expectedTotal, 1248);
  assert.equal(result.totalSize, expectedTotal);
  assert.ok(result.files.length >= 3, `${result.files.length} shards`);
  const n = result.files.length;
  assert.deepEqual(result.files, Array.from({ length: n }, (_, i) => `model-0000${i + 1}-of-0000${n}.safetensors`));
  assert.deepEqual(readdirSync(dir).sort(), [...result.files, INDEX_FILE_NAME].sort());

  const index = readShardIndex(join(dir, INDEX_FILE_NAME));
  assert.equal(index.metadata.total_size, expectedTotal);
  assert.deepEqual(Object.keys(index.weight_map).sort(), [...tensors.keys()].sort());
  let shardBytes = 0;
  for (const file of result.files) {
    const header = readSafetensorsMetadata(join(dir, file));
    assert.deepEqual(header.metadata, { format: 'pt' }, 'shards carry save_pretrained metadata');
    const bytes = [...header.tensors.values()].reduce((sum, info) => sum + info.dataOffsets[1] - info.dataOffsets[0], 0);
    assert.ok(bytes <= maxShardBytes, `${file} holds ${bytes} bytes`);
    shardBytes += bytes;
    for (const name of header.tensors.keys()) assert.equal(index.weight_map[name], file);
  }
  assert.equal(shardBytes, expectedTotal);

  // The index text is json.dumps(index, indent=2, sort_keys=True) + "\n".
  const text = readFileSync(join(dir, INDEX_FILE_NAME), 'utf8');
  const firstFile = `model-00001-of-0000${n}.safetensors`;
  const head = `{\n  "metadata": {\n    "total_size": ${expectedTotal}\n  },\n  "weight_map": {\n    "layers.0.bias": "${firstFile}",\n`;
  assert.ok(text.startsWith(head), text);
  assert.ok(text.endsWith('"\n  }\n}\n'));
  const names = [...text.slice(text.indexOf('"weight_map"')).matchAll(/^ {4}"([^"]+)":/gm)].map((m) => m[1]);
  assert.equal(names.length, tensors.size);
  assert.deepEqual(names, [...names].sort());

  assertSameTensors(loadShardedSafetensors(dir), tensors);
  assertSameTensors(loadShardedSafetensors(join(dir, INDEX_FILE_NAME)), tensors);
  assertSameTensors(loadCheckpoint(dir), tensors);
}));

test('a checkpoint that fits one shard is a single model.safetensors, replacing stale shards', scoped(() => {
  const dir = join(scratchDir, 'resaved');
  const tensors = stateDict();
  saveShardedSafetensors(dir, tensors, { maxShardBytes: 300 });
  const result = saveShardedSafetensors(dir, tensors, { metadata: { format: 'pt', step: '7' } });
  assert.deepEqual(result.files, [SINGLE_FILE_NAME]);
  assert.equal(result.indexPath, undefined);
  assert.deepEqual(readdirSync(dir), [SINGLE_FILE_NAME], 'old shards and index removed');
  assert.deepEqual(readSafetensorsMetadata(join(dir, SINGLE_FILE_NAME)).metadata, { format: 'pt', step: '7' });
  assertSameTensors(loadCheckpoint(dir), tensors);
  assertSameTensors(loadCheckpoint(join(dir, SINGLE_FILE_NAME)), tensors);

  // And back to shards: the single file goes, so loaders cannot pick up stale weights.
  saveShardedSafetensors(dir, tensors, { maxShardBytes: 300 });
  assert.equal(existsSync(join(dir, SINGLE_FILE_NAME)), false);
  assertSameTensors(loadCheckpoint(dir), tensors);
}));

test('sharded loading errors name the index or shard at fault', scoped(() => {
  const dir = join(scratchDir, 'broken');
  saveShardedSafetensors(dir, stateDict(), { maxShardBytes: 300 });
  const indexPath = join(dir, INDEX_FILE_NAME);
  const index = readShardIndex(indexPath);

  const isError = (pattern: RegExp) => (err: unknown): boolean =>
    err instanceof SafetensorsError && pattern.test(err.message);
  const firstShard = index.weight_map['layers.0.weight'] as string;
  writeFileSync(indexPath, JSON.stringify({ ...index, weight_map: { ...index.weight_map, extra: firstShard } }));
  const load = (): unknown => loadShardedSafetensors(dir);
  assert.throws(load, isError(/model-00001-of-\d+\.safetensors: tensor 'extra': not found in the file/));
  writeFileSync(indexPath, JSON.stringify({ ...index, weight_map: { 'layers.0.bias': '../elsewhere.safetensors' } }));
  assert.throws(load, isError(/index\.json: tensor 'layers\.0\.bias': weight_map entry .* must be a file name/));
  writeFileSync(indexPath, JSON.stringify({ ...index, weight_map: { 'layers.0.bias': 'model-00009-of-00009.safetensors' } }));
  assert.throws(load, isError(/index\.json: tensor 'layers\.0\.bias': shard model-00009-of-00009\.safetensors is missing/));
  writeFileSync(indexPath, '{"metadata": {}}');
  assert.throws(load, isError(/index\.json: index has no "weight_map" object/));
  assert.throws(() => loadCheckpoint(join(scratchDir, 'nothing-here-at-all')), /ENOENT|no checkpoint/);
  const empty = join(scratchDir, 'empty-dir');
  saveShardedSafetensors(empty, new Map());
  rmSync(join(empty, SINGLE_FILE_NAME));
  assert.throws(() => loadCheckpoint(empty), isError(/no checkpoint found/));
}));
