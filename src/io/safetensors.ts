/**
 * The safetensors format: read and write, byte-identical to Python safetensors' `save_file`.
 *
 * ```ts
 * saveSafetensors('model.safetensors', { 'lm_head.weight': w }, { format: 'pt' });
 * const weights = loadSafetensors('model.safetensors'); // Map<string, Tensor>
 * ```
 *
 * A file is an 8-byte little-endian header length N, N bytes of JSON describing each tensor
 * (`{"__metadata__":{...},"name":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},...}`,
 * padded with spaces to a multiple of 8), then the tensors' bytes back to back.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { writeTensorBytes } from '../tensor/file-tensors.js';
import { endianness } from 'node:os';
import { BYTES_PER_ELEMENT, TYPED_ARRAY, type DType } from '../tensor/dtype.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import { readTensorData, type TensorLoadOptions } from './read-tensors.js';
import { SafetensorsError } from './safetensors-error.js';

export { SafetensorsError };
export type { TensorLoadOptions };

/** Tensors by name, as a Map or a plain object. */
export type TensorDict = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

/** The dtype names safetensors writes in its header. */
export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

/** Where one tensor lives in a file, as its header describes it. */
export interface TensorInfo {
  dtype: DType;
  shape: number[];
  /** [begin, end) in bytes, counted from the start of the data section (not of the file). */
  dataOffsets: [number, number];
}

/** A file's header: everything but the tensor bytes. */
export interface SafetensorsHeader {
  /** The `__metadata__` string map, or undefined when the file has none. */
  metadata: Record<string, string> | undefined;
  /** Tensor layouts in file order (by offset). */
  tensors: Map<string, TensorInfo>;
  /** Byte position in the file where the data section starts (8 + header length). */
  dataStart: number;
}

const FROM_FORMAT: Record<SafetensorsDtype, DType> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  U8: 'uint8',
  BOOL: 'bool',
};
const TO_FORMAT = Object.fromEntries(Object.entries(FROM_FORMAT).map(([k, v]) => [v, k])) as Record<DType, SafetensorsDtype>;

/** Dtypes safetensors knows that rlhf-ts does not; named in errors so they read as "unsupported", not "corrupt". */
const OTHER_FORMAT_DTYPES = [
  'I8', 'I16', 'U16', 'U32', 'U64', 'C64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
];

/**
 * Position of each dtype in safetensors' Rust `Dtype` enum. `save_file` lays tensors out by
 * this rank descending (then by name), which puts 8-byte types first so every tensor starts
 * aligned to its element size; matching it is what makes our files byte-identical.
 */
const LAYOUT_RANK: Record<DType, number> = {
  bool: 0,
  uint8: 4,
  float16: 11,
  bfloat16: 12,
  int32: 13,
  float32: 15,
  float64: 17,
  int64: 18,
};

const LENGTH_PREFIX_BYTES = 8;
/** The Rust reader's limit; a larger header means a corrupt or hostile file. */
const MAX_HEADER_BYTES = 100_000_000;
/** fs.readSync/writeSync take at most ~2 GiB per call. */
const IO_CHUNK_BYTES = 1 << 30;
const METADATA_KEY = '__metadata__';

// The format is little-endian and TypedArrays use the host's byte order.
if (endianness() !== 'LE') throw new Error('rlhf-ts safetensors I/O needs a little-endian host');

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads only the header of a file: metadata and each tensor's dtype, shape and byte range. */
export function readSafetensorsMetadata(path: string): SafetensorsHeader {
  const fd = openSync(path, 'r');
  try {
    return readHeaderFromFile(fd, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads every tensor in a file, or only `names` (a listed name missing from the file is an
 * error; the others are never read). Tensors that keep the file's dtype map the file
 * (copy-on-write) unless `mmap: false`; `dtype` converts floating-point tensors while reading.
 * See read-tensors.ts.
 *
 * ```ts
 * loadSafetensors('model.safetensors', { dtype: 'bfloat16' }); // float32 file, bfloat16 tensors, no float32 copy
 * ```
 */
export function loadSafetensors(path: string, options: TensorLoadOptions = {}): Map<string, Tensor> {
  const header = readSafetensorsMetadata(path);
  const names = selectTensors(header, options.names, path).map(([name]) => name);
  return readTensorData([{ path, header, names }], options);
}

/** Parses a whole safetensors file already in memory. `source` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): Map<string, Tensor> {
  const header = parseHeaderBytes(bytes, bytes.byteLength, source);
  return buildTensors([...header.tensors], source, (info) => {
    const [begin, end] = info.dataOffsets;
    const start = bytes.byteOffset + header.dataStart + begin;
    // A TypedArray view needs its offset aligned to the element size; copy when it is not
    // (files from other writers need not keep tensors aligned).
    if (start % BYTES_PER_ELEMENT[info.dtype] === 0) return { buffer: bytes.buffer as ArrayBuffer, offset: start };
    return bytes.slice(header.dataStart + begin, header.dataStart + end).buffer;
  });
}

type BytesAt = ArrayBuffer | { buffer: ArrayBuffer; offset: number };

/** Makes each tensor from the bytes `locate` returns; disposes what it made if one fails. */
function buildTensors(
  entries: [string, TensorInfo][],
  source: string,
  locate: (info: TensorInfo) => BytesAt,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  let current: string | undefined;
  try {
    for (const [name, info] of entries) {
      current = name;
      const at = locate(info);
      const [buffer, offset] = at instanceof ArrayBuffer ? [at, 0] : [at.buffer, at.offset];
      const numel = (info.dataOffsets[1] - info.dataOffsets[0]) / BYTES_PER_ELEMENT[info.dtype];
      const view = new TYPED_ARRAY[info.dtype](buffer, offset, numel);
      out.set(name, tensor(view, { dtype: info.dtype, shape: info.shape }));
    }
  } catch (err) {
    for (const t of out.values()) t.dispose();
    if (err instanceof SafetensorsError) throw err;
    throw new SafetensorsError(source, `could not be loaded: ${(err as Error).message}`, current);
  }
  return out;
}

/** The wanted entries of a header, in file order (so the disk is read front to back). */
function selectTensors(
  header: SafetensorsHeader,
  names: readonly string[] | undefined,
  source: string,
): [string, TensorInfo][] {
  if (names === undefined) return [...header.tensors];
  const wanted = new Set(names);
  for (const name of wanted) {
    if (!header.tensors.has(name)) throw new SafetensorsError(source, 'not found in the file', name);
  }
  // File order, so the disk is read front to back.
  return [...header.tensors].filter(([name]) => wanted.has(name));
}

function readHeaderFromFile(fd: number, path: string): SafetensorsHeader {
  const fileBytes = fstatSync(fd).size;
  const prefix = new Uint8Array(Math.min(LENGTH_PREFIX_BYTES, fileBytes));
  readExactly(fd, prefix, 0, path);
  const headerBytes = headerLength(prefix, fileBytes, path);
  const json = new Uint8Array(headerBytes);
  readExactly(fd, json, LENGTH_PREFIX_BYTES, path);
  return parseHeaderJson(json, fileBytes - LENGTH_PREFIX_BYTES - headerBytes, path);
}

function parseHeaderBytes(bytes: Uint8Array, fileBytes: number, source: string): SafetensorsHeader {
  const headerBytes = headerLength(bytes.subarray(0, LENGTH_PREFIX_BYTES), fileBytes, source);
  const json = bytes.subarray(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + headerBytes);
  return parseHeaderJson(json, fileBytes - LENGTH_PREFIX_BYTES - headerBytes, source);
}

/** The header length from the 8-byte prefix, checked against the file size. */
function headerLength(prefix: Uint8Array, fileBytes: number, source: string): number {
  if (fileBytes < LENGTH_PREFIX_BYTES) {
    throw new SafetensorsError(source, `file is ${fileBytes} bytes, too short for the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    const why = `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`;
    throw new SafetensorsError(source, why);
  }
  const length = Number(n);
  if (LENGTH_PREFIX_BYTES + length > fileBytes) {
    const why = `header length ${length} runs past the end of the ${fileBytes}-byte file (truncated?)`;
    throw new SafetensorsError(source, why);
  }
  return length;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses and validates the JSON header as the Rust reader does; `dataBytes` is what follows it. */
function parseHeaderJson(json: Uint8Array, dataBytes: number, source: string): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(utf8.decode(json));
  } catch (err) {
    throw new SafetensorsError(source, `header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(raw)) throw new SafetensorsError(source, 'header must be a JSON object');

  let metadata: Record<string, string> | undefined;
  const infos: [string, TensorInfo][] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value, source);
    else infos.push([name, parseTensorInfo(name, value, source)]);
  }

  // Tensors must tile the data section exactly: in offset order, no gaps, no overlap, no tail.
  infos.sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let expectedBegin = 0;
  for (const [name, info] of infos) {
    const [begin, end] = info.dataOffsets;
    const where = `data_offsets [${begin}, ${end}]`;
    if (begin !== expectedBegin) {
      throw new SafetensorsError(source, `${where} should begin at ${expectedBegin} (tensors overlap or leave a gap)`, name);
    }
    if (end > dataBytes) {
      throw new SafetensorsError(source, `${where} run past the ${dataBytes} data bytes in the file (truncated?)`, name);
    }
    expectedBegin = end;
  }
  if (expectedBegin !== dataBytes) {
    throw new SafetensorsError(source, `${dataBytes - expectedBegin} bytes follow the last tensor's data`);
  }
  return { metadata, tensors: new Map(infos), dataStart: LENGTH_PREFIX_BYTES + json.byteLength };
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  if (!isPlainObject(value)) throw new SafetensorsError(source, `${METADATA_KEY} must be an object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(source, `${METADATA_KEY}.${key} must be a string, got ${JSON.stringify(v)}`);
    }
  }
  return value as Record<string, string>;
}

function parseTensorInfo(name: string, value: unknown, source: string): TensorInfo {
  const fail = (why: string): never => {
    throw new SafetensorsError(source, why, name);
  };
  if (!isPlainObject(value)) fail('entry must be an object with dtype, shape and data_offsets');
  const { dtype: format, shape, data_offsets: offsets } = value as Record<string, unknown>;

  if (typeof format !== 'string' || !(format in FROM_FORMAT)) {
    const known = Object.keys(FROM_FORMAT).join(', ');
    if (typeof format === 'string' && OTHER_FORMAT_DTYPES.includes(format)) {
      fail(`has dtype ${format}, which rlhf-ts does not support (supported: ${known})`);
    }
    fail(`unknown dtype ${JSON.stringify(format)} (expected one of ${known})`);
  }
  const dtype = FROM_FORMAT[format as SafetensorsDtype];

  if (!Array.isArray(shape) || !shape.every(isByteCount)) {
    fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isByteCount)) {
    fail(`data_offsets must be [begin, end] byte positions, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they begin`);

  const numel = dims.reduce((a, b) => a * b, 1);
  const needed = numel * BYTES_PER_ELEMENT[dtype];
  if (!Number.isSafeInteger(needed)) fail(`shape [${dims}] is too large`);
  if (end - begin !== needed) {
    fail(`${format} [${dims}] needs ${needed} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { dtype, shape: dims, dataOffsets: [begin, end] };
}

function isByteCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readExactly(fd: number, target: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < target.byteLength) {
    const want = Math.min(target.byteLength - done, IO_CHUNK_BYTES);
    const got = readSync(fd, target, done, want, position + done);
    if (got === 0) throw new SafetensorsError(path, `file ended at byte ${position + done} while reading (truncated?)`);
    done += got;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Writes tensors to `path` exactly as Python's `safetensors.torch.save_file(tensors, path,
 * metadata)` would. Non-contiguous and CUDA tensors are written in logical (row-major) order.
 * The write is atomic: a temporary file beside `path` is renamed over it once complete.
 */
export function saveSafetensors(path: string, tensors: TensorDict, metadata?: Record<string, string>): void {
  const layout = planLayout(tensors, metadata, path);
  writeAtomically(path, (fd) => {
    writeAll(fd, layout.header);
    // Straight from each tensor's memory: a copy into a JS buffer would live until the next GC,
    // and a whole model's worth of them would pile up (1.9 GiB at 0.5B in fp32).
    for (const entry of layout.entries) {
      const written = writeTensorBytes(entry.tensor, fd);
      if (written !== entry.byteLength) throw new SafetensorsError(path, `expected ${entry.byteLength} bytes, got ${written}`, entry.name);
    }
  });
}

/** The bytes saveSafetensors would write, in memory. */
export function serializeSafetensors(tensors: TensorDict, metadata?: Record<string, string>): Uint8Array {
  const layout = planLayout(tensors, metadata, '<buffer>');
  const out = new Uint8Array(layout.header.byteLength + layout.dataBytes);
  out.set(layout.header, 0);
  let offset = layout.header.byteLength;
  for (const entry of layout.entries) {
    out.set(tensorBytes(entry, '<buffer>'), offset);
    offset += entry.byteLength;
  }
  return out;
}

/** A TensorDict's [name, tensor] pairs in insertion order. (Shared with sharded.ts, not re-exported.) */
export function tensorEntries(tensors: TensorDict): [string, Tensor][] {
  return isReadonlyMap(tensors) ? [...tensors] : Object.entries(tensors);
}

function isReadonlyMap(tensors: TensorDict): tensors is ReadonlyMap<string, Tensor> {
  return tensors instanceof Map;
}

interface LayoutEntry {
  name: string;
  tensor: Tensor;
  byteLength: number;
}

interface Layout {
  /** The 8-byte length prefix followed by the padded JSON header. */
  header: Uint8Array;
  /** Tensors in the order their bytes follow the header. */
  entries: LayoutEntry[];
  dataBytes: number;
}

/** Orders the tensors as safetensors does and builds the header that describes them. */
function planLayout(tensors: TensorDict, metadata: Record<string, string> | undefined, target: string): Layout {
  const sortable = tensorEntries(tensors).map(([name, t]) => {
    if (name === METADATA_KEY) throw new SafetensorsError(target, `'${METADATA_KEY}' is reserved and cannot name a tensor`);
    return { name, tensor: t, dtype: t.dtype, key: Buffer.from(name, 'utf8') };
  });
  // Rust compares names as UTF-8 bytes; JS string comparison (UTF-16 units) differs beyond the BMP.
  sortable.sort((a, b) => LAYOUT_RANK[b.dtype] - LAYOUT_RANK[a.dtype] || Buffer.compare(a.key, b.key));

  const fields: string[] = [];
  if (metadata !== undefined) fields.push(`"${METADATA_KEY}":${metadataJson(metadata, target)}`);
  const entries: LayoutEntry[] = [];
  let offset = 0;
  for (const { name, tensor: t, dtype } of sortable) {
    const shape = [...t.shape];
    const byteLength = shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[dtype];
    // Same key order and no spaces, as serde_json writes TensorInfo.
    const offsets = `${offset},${offset + byteLength}`;
    fields.push(`${JSON.stringify(name)}:{"dtype":"${TO_FORMAT[dtype]}","shape":[${shape}],"data_offsets":[${offsets}]}`);
    entries.push({ name, tensor: t, byteLength });
    offset += byteLength;
  }

  const json = Buffer.from(`{${fields.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.byteLength / 8) * 8; // keeps the data section 8-byte aligned
  const header = new Uint8Array(LENGTH_PREFIX_BYTES + padded).fill(0x20, LENGTH_PREFIX_BYTES); // 0x20: space
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, LENGTH_PREFIX_BYTES);
  return { header, entries, dataBytes: offset };
}

/**
 * `__metadata__` as compact JSON, keys in the caller's order. (Python writes a Rust HashMap,
 * whose order is arbitrary once there are several keys; keeping the order a file was read
 * in is what reproduces that file.)
 */
function metadataJson(metadata: Record<string, string>, target: string): string {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      const why = `metadata '${key}' must be a string, got ${typeof value} (safetensors metadata maps strings to strings)`;
      throw new SafetensorsError(target, why);
    }
  }
  // JSON.stringify escapes exactly what serde_json escapes: '"', '\\' and control characters.
  return JSON.stringify(metadata);
}

/** A tensor's bytes in row-major order; toTypedArray copies to CPU and makes them contiguous. */
function tensorBytes(entry: LayoutEntry, target: string): Uint8Array {
  const data = entry.tensor.toTypedArray();
  if (data.byteLength !== entry.byteLength) {
    throw new SafetensorsError(target, `expected ${entry.byteLength} bytes, got ${data.byteLength}`, entry.name);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * (Shared with sharded.ts, not re-exported.)
 * Runs `write` on `path + '.tmp-<pid>'`, flushes it to disk and renames it over `path`, so
 * a crash mid-write never leaves a half-written file under the real name.
 */
export function writeAtomically(path: string, write: (fd: number) => void): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    write(fd);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) {
    done += writeSync(fd, bytes, done, Math.min(bytes.byteLength - done, IO_CHUNK_BYTES));
  }
}

