/**
 * Sharded checkpoints as transformers' `save_pretrained` writes them: `model-00001-of-00003.safetensors`
 * ... plus `model.safetensors.index.json` mapping each tensor to its shard, or a single
 * `model.safetensors` when everything fits in one shard.
 *
 * ```ts
 * saveShardedSafetensors('out/step-1000', model.stateDict(), { maxShardBytes: 2e9 });
 * const weights = loadCheckpoint('out/step-1000'); // either layout
 * ```
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BYTES_PER_ELEMENT } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { readTensorData, type TensorLoadOptions } from './read-tensors.js';
import {
  readSafetensorsMetadata, SafetensorsError, saveSafetensors, tensorEntries, writeAll, writeAtomically,
  type SafetensorsHeader, type TensorDict, type TensorInfo,
} from './safetensors.js';

/** The single-file checkpoint name. */
export const SINGLE_FILE_NAME = 'model.safetensors';
/** The index that lists a sharded checkpoint's files. */
export const INDEX_FILE_NAME = 'model.safetensors.index.json';
/** huggingface_hub's default shard limit (5 GB, decimal). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;
const SHARD_NAME = /^model-\d{5}-of-\d{5}\.safetensors$/;

/** The index file's contents. */
export interface ShardIndex {
  /** total_size: bytes of tensor data in all shards (transformers also adds total_parameters). */
  metadata: { total_size?: number; [key: string]: unknown };
  /** Tensor name to the shard file (a name within the checkpoint directory) that holds it. */
  weight_map: Record<string, string>;
}

export interface ShardedSaveOptions {
  /** A shard is closed before it would pass this many tensor bytes; one larger tensor gets a shard of its own. */
  maxShardBytes?: number;
  /** Each shard's `__metadata__`; transformers writes { format: 'pt' }, the default. */
  metadata?: Record<string, string>;
}

export interface ShardedSaveResult {
  /** The safetensors files written, in shard order (file names within the directory). */
  files: string[];
  /** The index file's path, or undefined when a single model.safetensors was written. */
  indexPath: string | undefined;
  /** Bytes of tensor data across all shards (the index's total_size). */
  totalSize: number;
}

/**
 * Splits tensors into shards the way huggingface_hub's `split_state_dict_into_shards_factory`
 * does: in the given order, starting a new shard when the next tensor would pass the limit,
 * and giving a tensor larger than the limit a shard of its own (placed before the open one).
 * Returns the names in each shard.
 *
 * ```ts
 * planShards([['a', 6], ['b', 6], ['c', 2], ['d', 6], ['e', 2], ['f', 2]], 10);
 * // [['a'], ['b', 'c'], ['d', 'e', 'f']]
 * ```
 */
export function planShards(sizes: Iterable<readonly [string, number]>, maxShardBytes: number): string[][] {
  const shards: string[][] = [];
  let current: string[] = [];
  let currentBytes = 0;
  for (const [name, bytes] of sizes) {
    if (bytes > maxShardBytes) {
      shards.push([name]);
      continue;
    }
    if (currentBytes + bytes > maxShardBytes) {
      shards.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(name);
    currentBytes += bytes;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

/**
 * Saves tensors into `dir` as save_pretrained does: shards named `model-0000i-of-0000N.safetensors`
 * plus `model.safetensors.index.json`, or one `model.safetensors` if a single shard suffices.
 * Shard files and stale files of the other layout left by an earlier save are removed after
 * the new ones are in place. Each file is written atomically, the index last.
 */
export function saveShardedSafetensors(
  dir: string,
  tensors: TensorDict,
  options: ShardedSaveOptions = {},
): ShardedSaveResult {
  const { maxShardBytes = DEFAULT_MAX_SHARD_BYTES, metadata = { format: 'pt' } } = options;
  if (!(maxShardBytes > 0)) throw new RangeError(`maxShardBytes (${maxShardBytes}) must be positive`);
  const byName = new Map(tensorEntries(tensors));
  const sizes = [...byName].map(([name, t]) => [name, t.numel * BYTES_PER_ELEMENT[t.dtype]] as const);
  const totalSize = sizes.reduce((sum, [, bytes]) => sum + bytes, 0);
  const shards = planShards(sizes, maxShardBytes);
  mkdirSync(dir, { recursive: true });

  if (shards.length <= 1) {
    saveSafetensors(join(dir, SINGLE_FILE_NAME), byName, metadata);
    removeStale(dir, [SINGLE_FILE_NAME]);
    return { files: [SINGLE_FILE_NAME], indexPath: undefined, totalSize };
  }

  const count = String(shards.length).padStart(5, '0');
  const files = shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${count}.safetensors`);
  const weightMap = new Map<string, string>();
  shards.forEach((names, i) => {
    const file = files[i] as string;
    saveSafetensors(join(dir, file), new Map(names.map((n) => [n, byName.get(n) as Tensor])), metadata);
    for (const name of names) weightMap.set(name, file);
  });

  const indexPath = join(dir, INDEX_FILE_NAME);
  const indexJson = pythonIndexJson(totalSize, weightMap);
  writeAtomically(indexPath, (fd) => writeAll(fd, Buffer.from(indexJson, 'utf8')));
  removeStale(dir, [...files, INDEX_FILE_NAME]);
  return { files, indexPath, totalSize };
}

/** Deletes shard files, index and single file in `dir` that are not among `keep`. */
function removeStale(dir: string, keep: string[]): void {
  const kept = new Set(keep);
  for (const name of readdirSync(dir)) {
    const ours = SHARD_NAME.test(name) || name === INDEX_FILE_NAME || name === SINGLE_FILE_NAME;
    if (ours && !kept.has(name)) rmSync(join(dir, name), { force: true });
  }
}

/**
 * The index as Python's `json.dumps(index, indent=2, sort_keys=True) + "\n"` writes it:
 * keys sorted by code point, non-ASCII escaped as \uXXXX (ensure_ascii).
 */
function pythonIndexJson(totalSize: number, weightMap: Map<string, string>): string {
  const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  const str = (s: string): string => JSON.stringify(s).replace(/[\u0080-\uffff]/g, escape);
  const names = [...weightMap.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const lines = names.map((n) => `    ${str(n)}: ${str(weightMap.get(n) as string)}`);
  return `{\n  "metadata": {\n    "total_size": ${totalSize}\n  },\n  "weight_map": {\n${lines.join(',\n')}\n  }\n}\n`;
}

/** Reads and checks an index file. */
export function readShardIndex(indexPath: string): ShardIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (err) {
    throw new SafetensorsError(indexPath, `cannot read the index (${(err as Error).message})`);
  }
  const index = raw as Partial<ShardIndex> | null;
  const weightMap = index?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new SafetensorsError(indexPath, 'index has no "weight_map" object');
  }
  for (const [name, file] of Object.entries(weightMap)) {
    // A shard outside the checkpoint directory would let an index read arbitrary files.
    if (typeof file !== 'string' || file === '' || basename(file) !== file || file === '..') {
      const why = `weight_map entry ${JSON.stringify(file)} must be a file name in the checkpoint directory`;
      throw new SafetensorsError(indexPath, why, name);
    }
  }
  const metadata = index?.metadata;
  const isObject = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata);
  return { metadata: isObject ? metadata : {}, weight_map: weightMap };
}

/** Where a checkpoint's tensors live, from its headers alone (no tensor data is read). */
export interface CheckpointLayout {
  /** The file or index that describes the checkpoint, for error messages. */
  source: string;
  /** Each file's path and header, in shard order. */
  files: { path: string; header: SafetensorsHeader }[];
  /** Each tensor's layout and the index into `files` of the file that holds it. */
  tensors: Map<string, TensorInfo & { file: number }>;
}

/**
 * Reads the layout of a checkpoint whichever way it was saved (a .safetensors file, an index
 * .json file, or a directory holding model.safetensors, preferred as transformers does, or the
 * index): the tensors' names, dtypes and shapes, from the headers only.
 */
export function readCheckpointLayout(path: string): CheckpointLayout {
  if (!isDirectory(path)) return path.endsWith('.json') ? shardedLayout(path) : singleFileLayout(path);
  const single = join(path, SINGLE_FILE_NAME);
  if (existsSync(single)) return singleFileLayout(single);
  const index = join(path, INDEX_FILE_NAME);
  if (existsSync(index)) return shardedLayout(index);
  const why = `no checkpoint found: expected ${SINGLE_FILE_NAME} or ${INDEX_FILE_NAME} in this directory`;
  throw new SafetensorsError(path, why);
}

function singleFileLayout(path: string): CheckpointLayout {
  const header = readSafetensorsMetadata(path);
  const tensors = new Map([...header.tensors].map(([name, info]) => [name, { ...info, file: 0 }]));
  return { source: path, files: [{ path, header }], tensors };
}

/** Every tensor the index's weight_map lists, each in the shard it names. */
function shardedLayout(indexPath: string): CheckpointLayout {
  const dir = dirname(indexPath);
  const { weight_map: weightMap } = readShardIndex(indexPath);
  const fileIndex = new Map<string, number>();
  const files: CheckpointLayout['files'] = [];
  const tensors: CheckpointLayout['tensors'] = new Map();
  for (const [name, file] of Object.entries(weightMap)) {
    let i = fileIndex.get(file);
    if (i === undefined) {
      const path = join(dir, file);
      if (!existsSync(path)) throw new SafetensorsError(indexPath, `shard ${file} is missing`, name);
      i = files.push({ path, header: readSafetensorsMetadata(path) }) - 1;
      fileIndex.set(file, i);
    }
    const shard = files[i] as CheckpointLayout['files'][number];
    const info = shard.header.tensors.get(name);
    if (info === undefined) throw new SafetensorsError(shard.path, 'not found in the file', name);
    tensors.set(name, { ...info, file: i });
  }
  return { source: indexPath, files, tensors };
}

/**
 * Loads the tensors of a checkpoint `readCheckpointLayout` described, or only `options.names`:
 * tensors not named are never read (nor a shard holding none of them), and the
 * shards' reads run in parallel. Options as for loadSafetensors (dtype while reading, mmap).
 */
export function loadCheckpointLayout(layout: CheckpointLayout, options: TensorLoadOptions = {}): Map<string, Tensor> {
  const names = options.names ?? [...layout.tensors.keys()];
  const byFile = layout.files.map(() => [] as string[]);
  for (const name of new Set(names)) {
    const info = layout.tensors.get(name);
    if (info === undefined) throw new SafetensorsError(layout.source, 'not found in the checkpoint', name);
    byFile[info.file]?.push(name);
  }
  const files = layout.files.map((f, i) => {
    // File order within each shard, so each is read front to back.
    const wanted = new Set(byFile[i]);
    return { ...f, names: [...f.header.tensors.keys()].filter((n) => wanted.has(n)) };
  });
  return readTensorData(files.filter((f) => f.names.length > 0), options);
}

/** Loads a sharded checkpoint from its directory or its index file (every tensor the weight_map lists, unless `names`). */
export function loadShardedSafetensors(dirOrIndexPath: string, options: TensorLoadOptions = {}): Map<string, Tensor> {
  const indexPath = isDirectory(dirOrIndexPath) ? join(dirOrIndexPath, INDEX_FILE_NAME) : dirOrIndexPath;
  return loadCheckpointLayout(shardedLayout(indexPath), options);
}

/**
 * Loads a checkpoint whichever way it was saved: a .safetensors file, an index .json file, or
 * a directory holding model.safetensors (preferred, as transformers does) or the index.
 *
 * ```ts
 * loadCheckpoint('models/qwen2-0.5b', { dtype: 'bfloat16' }); // shards read in parallel, converted while reading
 * ```
 */
export function loadCheckpoint(path: string, options: TensorLoadOptions = {}): Map<string, Tensor> {
  return loadCheckpointLayout(readCheckpointLayout(path), options);
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
