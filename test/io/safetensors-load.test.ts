/**
 * The native loader: tensors that keep the file's dtype are views of a private mapping of the
 * file, the others are read and converted while reading; skipped tensors are never read.
 * Mappings are observed in /proc/self/maps and reads in /proc/self/io (bytes read by syscalls).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dispose, DTYPES, memory, randn, tensor, tidy, manualSeed, type DType, type Tensor } from '../../src/index.js';
import {
  loadCheckpoint, loadSafetensors, readSafetensorsMetadata, SafetensorsError, saveSafetensors, saveShardedSafetensors,
} from '../../src/io/index.js';
import { readTensorData } from '../../src/io/read-tensors.js';
import { fromPretrained } from '../../src/models/index.js';
import { native } from '../../src/native/binding.js';
import { scoped } from '../helpers/assert.js';

const scratchDir = mkdtempSync(join(tmpdir(), 'rlhf-load-'));
after(() => rmSync(scratchDir, { recursive: true, force: true }));
const TINY_QWEN2 = 'test/fixtures/models/tiny-qwen2';

/** Address ranges of this process's mappings of `path` ("(deleted)" once the file was replaced). */
function mappingsOf(path: string): { start: number; end: number; deleted: boolean }[] {
  const full = resolve(path);
  return readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes(` ${full}`)).map((line) => {
    const [range] = line.split(' ');
    const [start, end] = (range as string).split('-').map((h) => parseInt(h, 16)) as [number, number];
    return { start, end, deleted: line.endsWith('(deleted)') };
  });
}

function isMapped(t: Tensor, path: string): boolean {
  const at = native.dataPtr(t.handle);
  return mappingsOf(path).some((m) => at >= m.start && at < m.end);
}

/** Bytes this process has read through read/pread so far. */
function bytesReadSoFar(): number {
  const line = readFileSync('/proc/self/io', 'utf8').split('\n').find((l) => l.startsWith('rchar:'));
  return Number(line?.split(/\s+/)[1]);
}

function bits(t: Tensor): Buffer {
  const data = t.toTypedArray();
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** One tensor of each dtype with values that exercise it (16-bit floats given as bit patterns). */
function everyDtype(): Map<string, Tensor> {
  const values: Record<DType, () => Tensor> = {
    float32: () => tensor(new Float32Array([1.5, -0, Infinity, NaN, 1e-40, 3.4e38]), { shape: [2, 3] }),
    float64: () => tensor(new Float64Array([Math.PI, -1e300, 5e-324]), { dtype: 'float64' }),
    float16: () => tensor(new Uint16Array([0x3c00, 0x7bff, 0x0001, 0xfc00]), { dtype: 'float16', shape: [2, 2] }),
    bfloat16: () => tensor(new Uint16Array([0x3f80, 0x7f7f, 0x0001, 0x7fc0, 0xc2f7]), { dtype: 'bfloat16' }),
    int64: () => tensor(new BigInt64Array([-(2n ** 62n), 7n]), { dtype: 'int64' }),
    int32: () => tensor(new Int32Array([-2147483648, 2147483647, 0]), { dtype: 'int32' }),
    uint8: () => tensor(new Uint8Array([0, 255, 17]), { dtype: 'uint8' }),
    bool: () => tensor(new Uint8Array([1, 0, 1, 1]), { dtype: 'bool' }),
  };
  return new Map(DTYPES.map((d) => [d, values[d]()]));
}

test('every dtype round-trips bit-exactly through the mapping and through reading', scoped(() => {
  const original = everyDtype();
  const path = join(scratchDir, 'dtypes.safetensors');
  saveSafetensors(path, original);
  const mapped = loadSafetensors(path);
  const read = loadSafetensors(path, { mmap: false });
  for (const [name, t] of original) {
    for (const [how, loaded] of [['mapped', mapped], ['read', read]] as const) {
      const got = loaded.get(name) as Tensor;
      assert.equal(got.dtype, t.dtype, `${how} ${name}`);
      assert.deepEqual(got.shape, t.shape, `${how} ${name}`);
      assert.ok(bits(got).equals(bits(t)), `${how} ${name}: bits differ`);
    }
    assert.ok(isMapped(mapped.get(name) as Tensor, path), `${name} should be a view of the file mapping`);
    assert.ok(!isMapped(read.get(name) as Tensor, path), `${name} with mmap: false should be in process memory`);
  }
}));

test('dtype conversion while reading equals loading then converting, bit for bit (several chunks, NaN, ties, subnormals)', scoped(() => {
  manualSeed(3);
  // 2.5 M floats: more than one 8 MiB read chunk, so chunks are converted on several threads.
  const big = randn([2_500_000]).mul(1e3);
  const special = tensor(new Float32Array([
    NaN, -NaN, Infinity, -Infinity, 0, -0, 1e-45, 1e-39, 3.4028235e38,
    // exactly halfway between two bfloat16 values: ties round to even
    new Float32Array(new Uint32Array([0x3f808000]).buffer)[0] as number,
    new Float32Array(new Uint32Array([0x3f818000]).buffer)[0] as number,
  ]));
  const ints = tensor(new Int32Array([1, -2, 3]), { dtype: 'int32' });
  const path = join(scratchDir, 'convert.safetensors');
  saveSafetensors(path, { big, special, ints });
  for (const target of ['bfloat16', 'float16', 'float64'] as const) {
    for (const mmap of [true, false]) {
      const converted = loadSafetensors(path, { dtype: target, mmap });
      const plain = loadSafetensors(path, { mmap });
      for (const name of ['big', 'special']) {
        const got = converted.get(name) as Tensor;
        assert.equal(got.dtype, target);
        assert.ok(bits(got).equals(bits((plain.get(name) as Tensor).to(target))), `${name} as ${target}: bits differ`);
        assert.ok(!isMapped(got, path), 'a converted tensor lives in its own memory');
      }
      assert.equal((converted.get('ints') as Tensor).dtype, 'int32', 'dtype converts floating-point tensors only');
      assert.deepEqual((converted.get('ints') as Tensor).toArray(), [1, -2, 3]);
    }
  }
  // and back up: a bfloat16 file read as float32
  const halfPath = join(scratchDir, 'half.safetensors');
  saveSafetensors(halfPath, { big: big.to('bfloat16') });
  const up = loadSafetensors(halfPath, { dtype: 'float32' }).get('big') as Tensor;
  assert.ok(bits(up).equals(bits(big.to('bfloat16').to('float32'))));
  // a function picks each tensor's dtype
  const chosen = loadSafetensors(path, { dtype: (name) => (name === 'big' ? 'float16' : 'float32') });
  assert.deepEqual([...chosen].map(([n, t]) => `${n}:${t.dtype}`), ['big:float16', 'special:float32', 'ints:float32']);
}));

test('tensors a writer left unaligned are copied into aligned memory with the right values', scoped(() => {
  // A 1-byte tensor first and an odd header length put the float tensors at odd file offsets.
  const entries = {
    u8: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
    f32: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
    f64: { dtype: 'F64', shape: [1], data_offsets: [9, 17] },
  };
  let json = JSON.stringify(entries);
  while ((8 + json.length) % 8 !== 1) json += ' ';
  const data = Buffer.alloc(17);
  data[0] = 200;
  data.writeFloatLE(1.25, 1);
  data.writeFloatLE(-3.5, 5);
  data.writeDoubleLE(Math.E, 9);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const path = join(scratchDir, 'unaligned.safetensors');
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(json), data]));
  assert.equal(readSafetensorsMetadata(path).dataStart % 4, 1);
  for (const mmap of [true, false]) {
    const loaded = loadSafetensors(path, { mmap });
    assert.deepEqual((loaded.get('u8') as Tensor).toArray(), [200]);
    assert.deepEqual((loaded.get('f32') as Tensor).toArray(), [1.25, -3.5]);
    assert.deepEqual((loaded.get('f64') as Tensor).toArray(), [Math.E]);
    assert.ok(!isMapped(loaded.get('f32') as Tensor, path), 'an unaligned tensor is copied, not mapped');
    assert.equal(isMapped(loaded.get('u8') as Tensor, path), mmap, 'a 1-byte dtype is always aligned');
  }
}));

test('a mapped tensor outlives the file being replaced by a rename and its siblings being disposed; writes stay private', scoped(() => {
  const path = join(scratchDir, 'replaced.safetensors');
  saveSafetensors(path, { a: tensor([1, 2, 3]), b: tensor([4, 5]) });
  const loaded = loadSafetensors(path);
  const a = loaded.get('a') as Tensor;
  assert.ok(isMapped(a, path));
  saveSafetensors(path, { a: tensor([9, 9, 9]), b: tensor([9, 9]) }); // atomic: a new file renamed over the old
  (loaded.get('b') as Tensor).dispose();
  assert.deepEqual(a.toArray(), [1, 2, 3], 'the mapping still holds the old contents');
  assert.ok(mappingsOf(path).some((m) => m.deleted), 'the replaced file stays mapped while a tensor uses it');
  a.add_(10);
  assert.deepEqual(a.toArray(), [11, 12, 13]);
  assert.deepEqual(loadSafetensors(path, { mmap: false }).get('a')?.toArray(), [9, 9, 9], 'the new file is untouched');
  a.dispose();
  assert.deepEqual(mappingsOf(path).filter((m) => m.deleted), [], 'the last tensor unmaps the file');

  const c = loadSafetensors(path, { names: ['a'] }).get('a') as Tensor;
  c.mul_(2);
  const onDisk = loadSafetensors(path, { mmap: false }).get('a') as Tensor;
  assert.deepEqual(onDisk.toArray(), [9, 9, 9], 'a write to a mapped tensor never reaches the file');
  c.dispose();
  assert.deepEqual(mappingsOf(path), []);
}));

test('tensors not asked for are never read (single file and shards)', () => {
  const path = join(scratchDir, 'skip.safetensors');
  const big = 8 << 20;
  tidy(() => saveSafetensors(path, { small: tensor([1, 2]), large: tensor(new Uint8Array(big), { dtype: 'uint8' }) }));
  const readBy = (fn: () => Map<string, Tensor>): number => {
    const start = bytesReadSoFar();
    dispose([...fn().values()]);
    return bytesReadSoFar() - start;
  };
  assert.ok(readBy(() => loadSafetensors(path, { mmap: false })) >= big, 'the measure sees a full read');
  assert.ok(readBy(() => loadSafetensors(path, { names: ['small'], mmap: false })) < 1 << 16);

  const dir = join(scratchDir, 'skip-sharded');
  tidy(() => saveShardedSafetensors(dir, new Map([
    ['a', tensor([1, 2, 3])],
    ['b', tensor(new Uint8Array(big), { dtype: 'uint8' })],
    ['c', tensor(new Uint8Array(big), { dtype: 'uint8' })],
  ]), { maxShardBytes: big }));
  assert.ok(readBy(() => loadCheckpoint(dir, { mmap: false })) >= 2 * big);
  assert.ok(readBy(() => loadCheckpoint(dir, { names: ['a', 'b'], mmap: false })) < big + (1 << 16));
  assert.throws(() => loadCheckpoint(dir, { names: ['nope'] }), /index\.json: tensor 'nope': not found in the checkpoint/);
});

test('a sharded checkpoint loads in parallel with conversion: the same tensors as one file', scoped(() => {
  manualSeed(4);
  const state = new Map([...Array(5).keys()].map((i) => [`layers.${i}.weight`, randn([300, 200])]));
  state.set('step', tensor([7], { dtype: 'int64' }));
  const dir = join(scratchDir, 'sharded');
  saveShardedSafetensors(dir, state, { maxShardBytes: 300 * 200 * 4 * 2 });
  for (const mmap of [true, false]) {
    const loaded = loadCheckpoint(dir, { dtype: 'bfloat16', mmap });
    assert.deepEqual([...loaded.keys()].sort(), [...state.keys()].sort());
    for (const [name, t] of state) {
      const expected = t.dtype === 'int64' ? t : t.to('bfloat16');
      assert.ok(bits(loaded.get(name) as Tensor).equals(bits(expected)), name);
    }
  }
}));

test('a read failure names the file and the tensor and leaves nothing allocated', () => {
  const path = join(scratchDir, 'shrunk.safetensors');
  tidy(() => saveSafetensors(path, { a: tensor([1, 2]), b: tensor([3, 4, 5, 6]) }));
  const header = readSafetensorsMetadata(path);
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.byteLength - 4)); // shortened after its header was read
  const before = memory().numTensors;
  for (const mmap of [true, false]) {
    assert.throws(() => readTensorData([{ path, header, names: ['a', 'b'] }], { mmap }), (err: unknown) => {
      assert.ok(err instanceof SafetensorsError);
      assert.match(err.message, new RegExp(`^${path}: tensor 'b': data \\[\\d+, \\d+\\) runs past the end of the \\d+-byte file`));
      return true;
    });
  }
  assert.throws(() => readTensorData([{ path: `${path}.gone`, header, names: ['a'] }]), /shrunk\.safetensors\.gone: cannot open: No such file/);
  assert.equal(memory().numTensors, before);
});

test('fromPretrained maps float32 weights, reads bfloat16 ones converted, and never reads the tied lm_head', () => {
  const lm = fromPretrained(TINY_QWEN2);
  const file = join(TINY_QWEN2, 'model.safetensors');
  assert.ok(lm.namedParameters().every(([, p]) => isMapped(p, file)), 'float32 parameters are views of the file');
  const half = fromPretrained(TINY_QWEN2, { dtype: 'bfloat16' });
  for (const [name, p] of half.namedParameters()) {
    const f32 = lm.namedParameters().find(([n]) => n === name)?.[1] as Tensor;
    assert.equal(p.dtype, 'bfloat16');
    tidy(() => assert.ok(bits(p).equals(bits(f32.to('bfloat16'))), `${name}: converted while reading == converted after`));
  }
  half.dispose();
  lm.dispose();
  assert.deepEqual(mappingsOf(file), [], 'disposing the model unmaps the checkpoint');

  // A tied checkpoint that still carries lm_head.weight: that tensor is skipped unread.
  const dir = join(scratchDir, 'tied');
  const state = loadCheckpoint(TINY_QWEN2, { mmap: false });
  const headBytes = (state.get('model.embed_tokens.weight') as Tensor).numel * 4 * 64;
  state.set('lm_head.weight', tensor(new Uint8Array(headBytes), { dtype: 'uint8' })); // large, to be seen if read
  saveShardedSafetensors(dir, state);
  writeFileSync(join(dir, 'config.json'), readFileSync(join(TINY_QWEN2, 'config.json')));
  dispose([...state.values()]);
  const start = bytesReadSoFar();
  const tied = fromPretrained(dir, { mmap: false });
  assert.ok(bytesReadSoFar() - start < headBytes, 'lm_head.weight was not read');
  tied.dispose();
});
