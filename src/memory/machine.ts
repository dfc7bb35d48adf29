/**
 * The memory a run can use on this machine: the CPU's (total, and available now) and, with a
 * CUDA libtorch, each GPU's as nvidia-smi reports it (the addon has no CUDA memory query).
 *
 * ```ts
 * const m = machineMemory();
 * budgetOf(m, 'cpu'); // { bytes: available CPU memory, what: 'CPU memory available' }
 * ```
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { cuda, getNumThreads } from '../tensor/index.js';

export interface GpuMemory {
  index: number;
  name: string;
  totalBytes: number;
  freeBytes: number;
}

export interface MachineMemory {
  totalBytes: number;
  /** Available now (the kernel's MemAvailable: free plus reclaimable cache). */
  freeBytes: number;
  /** Logical CPUs, and libtorch's intra-op threads. */
  cores: number;
  threads: number;
  /** GPUs libtorch can use, with their memory (empty without CUDA or without nvidia-smi). */
  gpus: GpuMemory[];
}

/**
 * GPUs from `nvidia-smi --query-gpu=index,name,memory.total,memory.free --format=csv,noheader,nounits`
 * output (MiB).
 * @example parseNvidiaSmi('0, NVIDIA H100 80GB HBM3, 81559, 81004') // [{ index: 0, name: 'NVIDIA H100 80GB HBM3', totalBytes: 85521203200, ... }]
 */
export function parseNvidiaSmi(text: string): GpuMemory[] {
  const gpus: GpuMemory[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 4) continue;
    const [index, total, free] = [Number(fields[0]), Number(fields[fields.length - 2]), Number(fields[fields.length - 1])];
    if (![index, total, free].every(Number.isFinite)) continue;
    gpus.push({ index, name: fields.slice(1, -2).join(','), totalBytes: total * 2 ** 20, freeBytes: free * 2 ** 20 });
  }
  return gpus;
}

function queryGpus(): GpuMemory[] {
  if (!cuda.isAvailable()) return [];
  const r = spawnSync('nvidia-smi', ['--query-gpu=index,name,memory.total,memory.free', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? parseNvidiaSmi(r.stdout) : [];
}

/** This machine's memory now. */
export function machineMemory(): MachineMemory {
  return { totalBytes: totalmem(), freeBytes: freemem(), cores: availableParallelism(), threads: getNumThreads(), gpus: queryGpus() };
}

/** The memory a run on `device` plans against: the CPU's available memory, or the first GPU's free memory (null: no GPU figure). */
export function budgetOf(m: MachineMemory, device: 'cpu' | 'cuda'): { bytes: number; what: string } | null {
  if (device === 'cpu') return { bytes: m.freeBytes, what: 'CPU memory available' };
  const gpu = m.gpus[0];
  return gpu === undefined ? null : { bytes: gpu.freeBytes, what: `GPU ${gpu.index} memory free (${gpu.name})` };
}
