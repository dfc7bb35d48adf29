/**
 * safetensors read/write against a file written by Python safetensors 0.8
 * (test/fixtures/core/dtypes.safetensors, from make_core_fixtures.py; values in dtypes.json).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BYTES_PER_ELEMENT, memory, tensor, type Tensor } from '../../src/index.js';
import {
  loadSafetensors, parseSafetensors, readSafetensorsMetadata, SafetensorsError, saveSafetensors, serializeSafetensors,
} from '../../src/io/index.js';
import { scoped } from '../helpers/assert.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The fixture directory, seen from test/io/ or from dist/test/io/. */
const fixtureDir = [join(here, '..', 'fixtures', 'core'), join(here, '..', '..', '..', 'test', 'fixtures', 'core')]
  .find((d) => existsSync(join(d, 'dtypes.safetensors')));
if (fixtureDir === undefined) throw new Error('test/fixtures/core/dtypes.safetensors not found');
const FIXTURE = join(fixtureDir, 'dtypes.safetensors');

interface Described {
  dtype: string;
  shape: number[];
  values: (number | boolean)[];
}
const fixtureJson = JSON.parse(readFileSync(join(fixtureDir, 'dtypes.json'), 'utf8')) as { tensors: Record<string, Described> };
const described = fixtureJson.tensors;

const scratchDir = mkdtempSync(join(tmpdir(), 'rlhf-safetensors-'));
after(() => rmSync(scratchDir, { recursive: true, force: true }));

/** The raw bytes of a tensor's elements. */
function bytesOf(t: Tensor): Buffer {
  const data = t.toTypedArray();
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

test('reads every tensor of the Python-written fixture with its dtype, shape and exact values', scoped(() => {
  const header = readSafetensorsMetadata(FIXTURE);
  assert.deepEqual(header.metadata, { format: 'pt', made_by: 'make_core_fixtures.py' });
  assert.equal(header.dataStart % 8, 0);

  const loaded = loadSafetensors(FIXTURE);
  assert.deepEqual([...loaded.keys()].sort(), Object.keys(described).sort());
  for (const [name, want] of Object.entries(described)) {
    const t = loaded.get(name);
    assert.ok(t, name);
    assert.equal(t.dtype, want.dtype, `${name} dtype`);
    assert.deepEqual([...t.shape], want.shape, `${name} shape`);
    // dtypes.json holds t.float() values, so float64 is compared after rounding to float32.
    const actual = want.dtype === 'float64' ? (t.flatValues() as number[]).map(Math.fround) : t.flatValues();
    assert.deepEqual(actual, want.values, `${name} values`);
  }

  // float64 is the float32 base times 3, exactly; the transposed copy is base.transpose(0, 2).
  const base = loaded.get('f32') as Tensor;
  const times3 = (base.flatValues() as number[]).map((v) => v * 3);
  assert.deepEqual((loaded.get('f64') as Tensor).flatValues(), times3);
  assert.deepEqual((loaded.get('noncontig_saved_f32') as Tensor).flatValues(), base.transpose(0, 2).flatValues());
  assert.equal((loaded.get('scalar_f32') as Tensor).item(), 3.25);
}));

test('re-serializing the fixture reproduces the Python file byte for byte', scoped(() => {
  const original = readFileSync(FIXTURE);
  const { metadata } = readSafetensorsMetadata(FIXTURE);
  const loaded = loadSafetensors(FIXTURE);
  assert.ok(Buffer.from(serializeSafetensors(loaded, metadata)).equals(original), 'serializeSafetensors');

  const path = join(scratchDir, 'resaved.safetensors');
  saveSafetensors(path, loaded, metadata);
  assert.ok(readFileSync(path).equals(original), 'saveSafetensors');

  // Layout does not depend on insertion order, and a non-contiguous view is written in
  // logical order: the fixture's noncontig tensor was saved from base.transpose(0, 2).contiguous().
  const view = (loaded.get('f32') as Tensor).transpose(0, 2);
  assert.equal(view.isContiguous, false);
  const reversed: Record<string, Tensor> = {};
  for (const [name, t] of [...loaded].reverse()) reversed[name] = name === 'noncontig_saved_f32' ? view : t;
  assert.ok(Buffer.from(serializeSafetensors(reversed, metadata)).equals(original), 'reordered, non-contiguous input');
}));

test('parseSafetensors reads a buffer at any byte offset (misaligned views are copied)', scoped(() => {
  const original = readFileSync(FIXTURE);
  for (const shift of [0, 1, 3]) {
    const holder = new Uint8Array(original.byteLength + shift);
    holder.set(original, shift);
    const parsed = parseSafetensors(holder.subarray(shift));
    for (const [name, want] of Object.entries(described)) {
      const t = parsed.get(name) as Tensor;
      assert.deepEqual([...t.shape], want.shape, `${name} at shift ${shift}`);
      if (want.dtype !== 'float64') assert.deepEqual(t.flatValues(), want.values, `${name} at shift ${shift}`);
    }
  }
}));

/** One tensor of every dtype, with the bit patterns most likely to be mangled on the way. */
function everyDtype(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ['f32', tensor(new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38]), { shape: [2, 3] })],
    ['f64', tensor(new Float64Array([NaN, -0, 5e-324, Number.MAX_VALUE, Math.PI]))],
    // float16: +0, -0, +inf, -inf, quiet NaN, NaN with payload, smallest subnormal, 1, max.
    ['f16', tensor(new Uint16Array([0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7d01, 0x0001, 0x3c00, 0x7bff]), {
      dtype: 'float16',
      shape: [3, 3],
    })],
    // bfloat16: +inf, -inf, quiet NaN, smallest subnormal, 1, -0, max, -123.5.
    ['bf16', tensor(new Uint16Array([0x7f80, 0xff80, 0x7fc0, 0x0001, 0x3f80, 0x8000, 0x7f7f, 0xc2f7]), {
      dtype: 'bfloat16',
      shape: [2, 2, 2],
    })],
    ['i64', tensor(new BigInt64Array([2n ** 40n, -(2n ** 62n), 2n ** 63n - 1n, -(2n ** 63n), 0n, 2n ** 31n]))],
    ['i32', tensor(new Int32Array([2 ** 31 - 1, -(2 ** 31), 0, -1]))],
    ['u8', tensor(new Uint8Array([0, 1, 127, 128, 255]))],
    ['bool', tensor(new Uint8Array([1, 0, 1]), { dtype: 'bool' })],
    ['scalar', tensor(new Float64Array([-2.5]), { shape: [] })],
    ['empty', tensor(new Float32Array(0), { shape: [0, 5] })],
    ['empty_i64', tensor(new BigInt64Array(0), { shape: [3, 0] })],
  ]);
}

test('every dtype round-trips bit-exactly, scalars and empty tensors included', scoped(() => {
  const original = everyDtype();
  const path = join(scratchDir, 'every-dtype.safetensors');
  saveSafetensors(path, original, { note: 'round trip', 'ключ': 'значение "quoted"\n' });
  assert.deepEqual(readdirSync(scratchDir).filter((f) => f.includes('.tmp-')), [], 'no temporary file left behind');

  const header = readSafetensorsMetadata(path);
  assert.deepEqual(header.metadata, { note: 'round trip', 'ключ': 'значение "quoted"\n' });
  assert.equal(header.dataStart % 8, 0, 'header padded to a multiple of 8');
  // Wider types first, so every tensor starts aligned to its element size.
  for (const [name, info] of header.tensors) {
    assert.equal(info.dataOffsets[0] % BYTES_PER_ELEMENT[info.dtype], 0, `${name} aligned`);
  }

  for (const loaded of [loadSafetensors(path), parseSafetensors(serializeSafetensors(original))]) {
    assert.equal(loaded.size, original.size);
    for (const [name, want] of original) {
      const got = loaded.get(name) as Tensor;
      assert.equal(got.dtype, want.dtype, name);
      assert.deepEqual([...got.shape], [...want.shape], name);
      assert.ok(bytesOf(got).equals(bytesOf(want)), `${name} bits`);
    }
  }
  const big = loadSafetensors(path).get('i64') as Tensor;
  const beyond32Bits = [2n ** 40n, -(2n ** 62n), 2n ** 63n - 1n, -(2n ** 63n), 0n, 2n ** 31n];
  assert.deepEqual([...(big.toTypedArray() as BigInt64Array)], beyond32Bits);
}));

test('metadata: omitted means no __metadata__ entry, as in save_file(metadata=None)', scoped(() => {
  const t = tensor([1, 2, 3], { dtype: 'int32' });
  const headerText = (bytes: Uint8Array): string => {
    const length = Number(Buffer.from(bytes).readBigUInt64LE(0));
    return Buffer.from(bytes.subarray(8, 8 + length)).toString();
  };
  const padded = (json: string): string => json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
  assert.equal(headerText(serializeSafetensors({ t })), padded('{"t":{"dtype":"I32","shape":[3],"data_offsets":[0,12]}}'));
  assert.equal(headerText(serializeSafetensors({}, {})), padded('{"__metadata__":{}}'));
  assert.equal(parseSafetensors(serializeSafetensors({ t })).get('t')?.dtype, 'int32');
  assert.throws(() => serializeSafetensors({ __metadata__: t }), /reserved/);
}));

test('loadSafetensors can load a subset of the tensors', scoped(() => {
  const some = loadSafetensors(FIXTURE, { names: ['u8', 'bf16'] });
  assert.deepEqual([...some.keys()].sort(), ['bf16', 'u8']);
  assert.throws(() => loadSafetensors(FIXTURE, { names: ['nope'] }), (err: Error) => err.message.includes("tensor 'nope'"));
}));

/** A safetensors file from an arbitrary header object and data length. */
function craft(header: object, dataBytes: number): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.byteLength));
  return Buffer.concat([prefix, json, Buffer.alloc(dataBytes)]);
}

/** Asserts that `fn` throws a SafetensorsError whose message names `file` and matches `pattern`. */
function assertFileError(fn: () => unknown, file: string, pattern: RegExp): void {
  const before = memory().numTensors;
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SafetensorsError, `expected SafetensorsError, got ${String(err)}`);
    assert.ok(err.message.includes(file), `message should name ${file}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
  assert.equal(memory().numTensors, before, 'a failed load leaves no tensors behind');
}

test('a truncated file is rejected with its path in the message', scoped(() => {
  const original = readFileSync(FIXTURE);
  const cutData = join(scratchDir, 'cut-in-data.safetensors');
  writeFileSync(cutData, original.subarray(0, original.byteLength - 2));
  assertFileError(() => loadSafetensors(cutData), cutData, /tensor 'bool'.*truncated/);
  const cutHeader = join(scratchDir, 'cut-in-header.safetensors');
  writeFileSync(cutHeader, original.subarray(0, 100));
  assertFileError(() => loadSafetensors(cutHeader), cutHeader, /header length 776 runs past the end of the 100-byte file/);
  const tiny = join(scratchDir, 'tiny.safetensors');
  writeFileSync(tiny, original.subarray(0, 5));
  assertFileError(() => readSafetensorsMetadata(tiny), tiny, /too short/);
}));

test('malformed headers are rejected naming the file and the tensor', scoped(() => {
  const badJson = join(scratchDir, 'bad-json.safetensors');
  const corrupted = Buffer.from(readFileSync(FIXTURE));
  corrupted[8] = 0x5b; // '[' instead of '{'
  writeFileSync(badJson, corrupted);
  assertFileError(() => loadSafetensors(badJson), badJson, /not valid UTF-8 JSON/);

  const entry = (dtype: string, shape: number[], begin: number, end: number): object =>
    ({ dtype, shape, data_offsets: [begin, end] });
  const cases: [string, object, number, RegExp][] = [
    ['unsupported-dtype', { w: entry('I8', [2], 0, 2) }, 2, /tensor 'w': has dtype I8, which rlhf-ts does not support/],
    ['unknown-dtype', { w: entry('F33', [2], 0, 8) }, 8, /tensor 'w': unknown dtype "F33"/],
    ['out-of-bounds', { w: entry('F32', [4], 0, 16) }, 8, /tensor 'w': data_offsets \[0, 16\] run past the 8 data bytes/],
    ['wrong-size', { w: entry('F32', [3], 0, 8) }, 8, /tensor 'w': F32 \[3\] needs 12 bytes/],
    ['gap', { a: entry('U8', [2], 0, 2), b: entry('U8', [2], 4, 6) }, 6, /tensor 'b'.*should begin at 2/],
    ['trailing-bytes', { a: entry('U8', [2], 0, 2) }, 5, /3 bytes follow the last tensor/],
    ['bad-shape', { a: entry('U8', [-2], 0, 2) }, 2, /tensor 'a': shape must be an array of non-negative integers/],
    ['bad-metadata', { __metadata__: { n: 1 } }, 0, /__metadata__\.n must be a string/],
  ];
  for (const [name, header, dataBytes, pattern] of cases) {
    const path = join(scratchDir, `${name}.safetensors`);
    writeFileSync(path, craft(header, dataBytes));
    assertFileError(() => loadSafetensors(path), path, pattern);
    assertFileError(() => parseSafetensors(craft(header, dataBytes), path), path, pattern);
  }
}));
