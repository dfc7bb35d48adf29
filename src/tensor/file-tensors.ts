/**
 * Tensors made straight from byte ranges of files (the safetensors loader's native half): a
 * range whose dtype is kept becomes a view of a private (copy-on-write) mapping of the file, any
 * other is read, and converted while reading, into memory of its target dtype.
 *
 * ```ts
 * const { tensors } = readFileTensors([{ path, dataStart: 80, tensors: [{ dtype: 'float32', target: 'bfloat16', shape: [2, 3], begin: 0, end: 24 }] }]);
 * ```
 */
import { native } from '../native/binding.js';
import { wrap } from './base.js';
import { dtypeCode, type DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/** One tensor to make: its bytes [begin, end) counted from the file's data start. */
export interface FileTensorRequest {
  /** The dtype of the bytes in the file. */
  dtype: DType;
  /** The dtype of the tensor made from them. */
  target: DType;
  shape: number[];
  begin: number;
  end: number;
}

export interface FileRequest {
  path: string;
  dataStart: number;
  tensors: FileTensorRequest[];
}

export interface FileTensorsResult {
  /** Per file, per requested tensor, in request order. */
  tensors: Tensor[][];
  /** Bytes read into new memory (mapped tensors are read lazily, by whoever touches them). */
  bytesRead: number;
  /** Tensors that are views of a file mapping. */
  tensorsMapped: number;
}

/** A failed read, pointing at the request's file and tensor (tensorIndex -1: the file as a whole). */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(message: string, readonly fileIndex: number, readonly tensorIndex: number) {
    super(message);
  }
}

/**
 * Makes every requested tensor. `mmap: false` reads everything into anonymous memory: use it
 * where the file may be truncated or rewritten in place while the tensors live (a mapping then
 * sees the new bytes, or faults past the new end). All chunks to read, across files, are read
 * in parallel on libtorch's intra-op threads.
 */
export function readFileTensors(files: readonly FileRequest[], options: { mmap?: boolean } = {}): FileTensorsResult {
  const requests = files.map((f) => ({
    path: f.path,
    dataStart: f.dataStart,
    tensors: f.tensors.map((t) => ({ dtype: dtypeCode(t.dtype), target: dtypeCode(t.target), shape: t.shape, begin: t.begin, end: t.end })),
  }));
  let result: ReturnType<typeof native.readSafetensors>;
  try {
    result = native.readSafetensors(requests, options.mmap ?? true);
  } catch (err) {
    const e = err as Error & { fileIndex?: unknown; tensorIndex?: unknown };
    if (typeof e.fileIndex === 'number' && typeof e.tensorIndex === 'number') throw new FileReadError(e.message, e.fileIndex, e.tensorIndex);
    throw err;
  }
  return {
    tensors: result.tensors.map((handles) => handles.map((h) => wrap(h))),
    bytesRead: result.bytesRead,
    tensorsMapped: result.tensorsMapped,
  };
}

/**
 * Writes a tensor's bytes (row-major, copied to the CPU first where it is elsewhere) at `fd`'s
 * position straight from its memory, and returns how many: saving never makes a second copy.
 */
export function writeTensorBytes(t: Tensor, fd: number): number {
  return native.writeTensorBytes(t.handle, fd);
}
