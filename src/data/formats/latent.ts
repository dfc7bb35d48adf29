/**
 * Latent PRM rows: a JSONL index of `{tensor, score}` or `{file, tensor, score}` pointing into
 * safetensors files that hold one [steps, hidden] float matrix per row.
 *
 * ```ts
 * // index.jsonl: {"tensor": "ex0", "score": 0.75}   (tensors in index.safetensors; prm_score wins over score)
 * const record = parseLatent(row, ctx);        // checks ex0 exists and is 2-D float
 * const matrix = loadLatentMatrix(record);     // Tensor [steps, hidden]
 * ```
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { loadSafetensors, readSafetensorsMetadata, type SafetensorsHeader } from '../../io/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { LatentRecord } from '../records.js';
import { asObject, fail, has, requireNumber, requireString, type ParseContext } from './fields.js';

const FLOAT_DTYPES = new Set(['float32', 'float64', 'float16', 'bfloat16']);

export function parseLatent(value: unknown, ctx: ParseContext): LatentRecord {
  const row = asObject(ctx, value);
  const tensor = requireString(ctx, row, 'tensor');
  // As the Python tooling: the process score `prm_score` when present, else the outcome `score`.
  const score = has(row, 'prm_score') ? requireNumber(ctx, row, 'prm_score') : requireNumber(ctx, row, 'score');
  const file = has(row, 'file')
    ? resolve(dirname(ctx.source.file), requireString(ctx, row, 'file'))
    : ctx.options.latentTensors === undefined
      ? defaultTensorsFile(resolve(ctx.source.file))
      : resolve(dirname(ctx.source.file), ctx.options.latentTensors);
  const fileField = has(row, 'file') ? 'file' : undefined;
  if (!existsSync(file)) fail(ctx, fileField, `safetensors file not found: ${file}`);
  const info = headerOf(file).tensors.get(tensor);
  if (info === undefined) fail(ctx, 'tensor', `field 'tensor' names '${tensor}', which is not in ${file}`);
  if (info.shape.length !== 2) {
    fail(ctx, 'tensor', `tensor '${tensor}' in ${file} must be 2-D [steps, hidden], got shape [${info.shape.join(', ')}]`);
  }
  if (!FLOAT_DTYPES.has(info.dtype)) fail(ctx, 'tensor', `tensor '${tensor}' in ${file} must be a float tensor, got ${info.dtype}`);
  return { kind: 'latent', tensor, file, score };
}

/**
 * Loads one record's [steps, hidden] matrix (only that tensor's bytes are read). Read, not
 * mapped: a user's data file may be rewritten in place while batches hold its tensors.
 */
export function loadLatentMatrix(record: LatentRecord): Tensor {
  const matrix = loadSafetensors(record.file, { names: [record.tensor], mmap: false }).get(record.tensor);
  if (matrix === undefined) throw new Error(`${record.file}: tensor '${record.tensor}' not found`);
  return matrix;
}

/** `data/index.jsonl` → `data/index.safetensors`. */
function defaultTensorsFile(indexFile: string): string {
  const ext = extname(indexFile);
  return `${ext === '' ? indexFile : indexFile.slice(0, -ext.length)}.safetensors`;
}

// Headers are read once per file, not once per row: an index usually has thousands of rows
// pointing into a handful of files. Keyed by mtime so a rewritten file is read again.
const headers = new Map<string, { mtimeMs: number; header: SafetensorsHeader }>();

function headerOf(file: string): SafetensorsHeader {
  const { mtimeMs } = statSync(file);
  const cached = headers.get(file);
  if (cached !== undefined && cached.mtimeMs === mtimeMs) return cached.header;
  const header = readSafetensorsMetadata(file);
  headers.set(file, { mtimeMs, header });
  return header;
}
