/**
 * Reading tensors whose layout a safetensors header gave (one file or a checkpoint's shards)
 * straight into tensor memory:
 * - kept dtype, CPU: a view of a private (copy-on-write) mapping of the file, as Python
 *   safetensors and transformers load; pages are read when first touched, a write (training)
 *   copies the page into the process and never reaches the file, and a file replaced by an
 *   atomic rename (how every rlhf-ts save writes) leaves the mapping on the old contents;
 * - a new dtype (`dtype: 'bfloat16'` on a float32 file), an unaligned tensor, or `mmap: false`:
 *   read in chunks and converted while reading, so a bfloat16 load of a float32 file never holds
 *   the float32 tensor; the chunks of every file are read in parallel.
 * Tensors that are not asked for are never read.
 *
 * ```ts
 * readTensorData([{ path, header, names: ['lm_head.weight'] }], { dtype: 'bfloat16' });
 * ```
 */
import { isFloatingPoint, type DType, type Tensor } from '../tensor/index.js';
import { FileReadError, readFileTensors } from '../tensor/file-tensors.js';
import { SafetensorsError } from './safetensors-error.js';
import type { SafetensorsHeader } from './safetensors.js';

/** How loadSafetensors / loadCheckpoint make tensors. */
export interface TensorLoadOptions {
  /** Load only these tensors (a name the file or checkpoint lacks is an error); the others are never read. */
  names?: readonly string[];
  /**
   * The dtype of the loaded floating-point tensors (integer and bool tensors keep theirs, as
   * transformers' `torch_dtype`), or a function choosing each tensor's dtype. Converted while
   * reading. Default: the file's dtype.
   */
  dtype?: DType | ((name: string, fileDtype: DType) => DType);
  /**
   * Map the file where the dtype is kept (default true). `false` reads every tensor into
   * process memory: use it for files that may be truncated or rewritten in place while the
   * tensors live (a mapping would then see the new bytes, or fault past a shortened end), or
   * for tensors that will be overwritten wholesale anyway (optimizer state on resume).
   */
  mmap?: boolean;
}

/** One file to read from: its path, parsed header and the tensors wanted from it (file order). */
export interface FileToRead {
  path: string;
  header: SafetensorsHeader;
  names: readonly string[];
}

/** The dtype a tensor loads as under `options.dtype`. */
export function loadedDtype(name: string, fileDtype: DType, dtype: TensorLoadOptions['dtype']): DType {
  if (dtype === undefined) return fileDtype;
  if (typeof dtype === 'function') return dtype(name, fileDtype);
  return isFloatingPoint(fileDtype) ? dtype : fileDtype;
}

/** Reads the named tensors of each file; on failure nothing stays allocated and the error names file and tensor. */
export function readTensorData(files: readonly FileToRead[], options: TensorLoadOptions = {}): Map<string, Tensor> {
  const requests = files.map((f) => ({
    path: f.path,
    dataStart: f.header.dataStart,
    tensors: f.names.map((name) => {
      const info = f.header.tensors.get(name);
      if (info === undefined) throw new SafetensorsError(f.path, 'not found in the file', name);
      const [begin, end] = info.dataOffsets;
      return { dtype: info.dtype, target: loadedDtype(name, info.dtype, options.dtype), shape: info.shape, begin, end };
    }),
  }));
  let made: Tensor[][];
  try {
    made = readFileTensors(requests, { mmap: options.mmap ?? true }).tensors;
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    const file = files[err.fileIndex];
    const source = file?.path ?? '<unknown file>';
    throw new SafetensorsError(source, err.message, err.tensorIndex < 0 ? undefined : file?.names[err.tensorIndex]);
  }
  const out = new Map<string, Tensor>();
  files.forEach((f, i) => f.names.forEach((name, k) => out.set(name, made[i]?.[k] as Tensor)));
  return out;
}
