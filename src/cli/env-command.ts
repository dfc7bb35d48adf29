/** `rlhf env`: what this machine gives a training run, and what to change. */
import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { buildInfo, cuda, getNumThreads } from '../tensor/index.js';
import { budgetOf, bytesPerParameter, gib, machineMemory, modelSizeName, PARAMETER_SHARE, trainableModelSize, type GpuMemory, type MachineMemory, type TuningMode } from '../memory/index.js';
import type { CommandIo } from './config-command.js';

export type BlasKind = 'openblas' | 'mkl' | 'reference' | 'unknown';
/** Where the linked libtorch came from: a PyTorch wheel unpacked by scripts/setup.sh (the default), Debian's libtorch-dev, or a LIBTORCH of the user's. */
export type LibtorchSource = 'wheel' | 'system' | 'LIBTORCH' | 'unknown';

export interface EnvReport {
  torchVersion: string;
  /** libtorch_cpu.so as mapped into this process, when found. */
  libtorchPath: string | undefined;
  libtorchSource: LibtorchSource;
  blas: BlasKind;
  blasPath: string | undefined;
  threads: number;
  cores: number;
  cudaAvailable: boolean;
  cudaDevices: number;
  /** A GPU device node exists although libtorch cannot use it (a CPU-only build). */
  gpuPresent: boolean;
  freeMemoryBytes: number;
  totalMemoryBytes: number;
  /** Free disk space of the working directory, when statfs works. */
  freeDiskBytes: number | undefined;
  nodeVersion: string;
}

/**
 * Which BLAS a process uses, from the shared libraries in /proc/self/maps (libtorch reaches
 * BLAS through libblas.so.3, whose real path names the implementation) and, for
 * libtorch builds with MKL linked in statically, from its build configuration.
 * @example classifyBlas(['/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3'], '') // 'openblas'
 */
export function classifyBlas(libraries: readonly string[], buildConfig: string): { kind: BlasKind; path: string | undefined } {
  const find = (re: RegExp) => libraries.find((l) => re.test(l));
  const mkl = find(/libmkl_/);
  if (mkl) return { kind: 'mkl', path: mkl };
  const openblas = find(/openblas/i);
  if (openblas) return { kind: 'openblas', path: openblas };
  const reference = find(/\/libblas\.so/);
  if (reference) return { kind: 'reference', path: reference };
  if (/BLAS_INFO=mkl/.test(buildConfig)) return { kind: 'mkl', path: undefined };
  if (/BLAS_INFO=open/.test(buildConfig)) return { kind: 'openblas', path: undefined };
  return { kind: 'unknown', path: undefined };
}

/**
 * Where a libtorch came from, by the path of its libtorch_cpu.so: Debian's package lives under
 * /usr/lib; scripts/setup.sh unpacks a wheel's libtorch into a folder named after the wheel
 * (`.../torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64/torch/lib`); anything else was a LIBTORCH.
 * @example libtorchSource('/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13') // 'system'
 */
export function libtorchSource(libtorchPath: string | undefined): LibtorchSource {
  if (libtorchPath === undefined) return 'unknown';
  if (libtorchPath.startsWith('/usr/lib/')) return 'system';
  if (/\/torch-\d[^/]*-[^/]+-[^/]+-[^/]+\/torch\/lib\/[^/]+$/.test(libtorchPath)) return 'wheel';
  return 'LIBTORCH';
}

/**
 * Measured on a 0.5B Qwen2 (random weights, 2 threads, issue 16): greedy decoding at batch 1 in
 * new tokens/s and one fp32 SFT step (2 x 512 tokens) in seconds, on each libtorch.
 */
const LIBTORCH_FIGURES = { debian113: { tokPerS: 3.6, sftStepS: 41.5 }, wheel213: { tokPerS: 6.5, sftStepS: 25 } } as const;

/**
 * What building against the other libtorch would change, and the command that does it.
 * @example otherLibtorch('system', '1.13.1') // "libtorch 2.x from a PyTorch wheel would be faster ... RLHF_LIBTORCH=wheel bash scripts/setup.sh"
 */
export function otherLibtorch(source: LibtorchSource, torchVersion: string): string {
  const { debian113: old, wheel213: now } = LIBTORCH_FIGURES;
  const measured = `(0.5B Qwen2, 2 threads: greedy ${now.tokPerS} vs ${old.tokPerS} new tok/s at batch 1, SFT step ${now.sftStepS} vs ${old.sftStepS} s on 2.13 vs 1.13)`;
  const major = Number(torchVersion.split('.')[0]);
  if (source === 'system' || major < 2) {
    return `libtorch 2.x from a PyTorch wheel would be faster at real sizes, with MKL and fused attention ${measured}: RLHF_LIBTORCH=wheel bash scripts/setup.sh`;
  }
  const debian = `Debian's libtorch-dev 1.13 would be slower at real sizes ${measured}; it is there to check 1.13 compatibility: RLHF_LIBTORCH=system bash scripts/setup.sh`;
  if (source === 'LIBTORCH') return `the default is a PyTorch wheel's libtorch (bash scripts/setup.sh without LIBTORCH); ${debian}`;
  return debian;
}

/** Paths of the shared objects mapped into this process (empty where /proc is missing). */
export function mappedLibraries(maps = '/proc/self/maps'): string[] {
  let text: string;
  try {
    text = readFileSync(maps, 'utf8');
  } catch {
    return [];
  }
  const paths = new Set<string>();
  for (const line of text.split('\n')) {
    const path = line.slice(line.indexOf('/'));
    if (line.includes('/') && /\.so(\.|$)/.test(path)) paths.add(path.trim());
  }
  return [...paths];
}

/** Gathers the report for this process and machine. */
export function collectEnvReport(): EnvReport {
  const info = buildInfo();
  const libs = mappedLibraries();
  const blas = classifyBlas(libs, info.config);
  let freeDiskBytes: number | undefined;
  try {
    const s = statfsSync(process.cwd());
    freeDiskBytes = s.bavail * s.bsize;
  } catch {
    freeDiskBytes = undefined;
  }
  let gpuPresent = false;
  try {
    readFileSync('/proc/driver/nvidia/version');
    gpuPresent = true;
  } catch {
    gpuPresent = false;
  }
  const cudaAvailable = cuda.isAvailable();
  const libtorchPath = libs.find((l) => /libtorch_cpu\.so/.test(l)) ?? libs.find((l) => /libtorch\.so/.test(l));
  return {
    torchVersion: info.torchVersion,
    libtorchPath,
    libtorchSource: libtorchSource(libtorchPath),
    blas: blas.kind,
    blasPath: blas.path,
    threads: getNumThreads(),
    cores: availableParallelism(),
    cudaAvailable,
    cudaDevices: cudaAvailable ? cuda.deviceCount() : 0,
    gpuPresent,
    freeMemoryBytes: freemem(),
    totalMemoryBytes: totalmem(),
    freeDiskBytes,
    nodeVersion: process.versions.node,
  };
}

const GiB = 1024 ** 3;

/**
 * Advice lines for a report: what would make training faster or keep it from failing.
 * @example adviseEnv({ ...report, blas: 'reference' }) // ['BLAS: reference ... apt-get install libopenblas0-openmp']
 */
export function adviseEnv(r: EnvReport): string[] {
  const advice: string[] = [];
  if (r.blas === 'reference') {
    advice.push('BLAS is the reference implementation (~15x slower matmuls): sudo apt-get install libopenblas0-openmp');
  }
  if (r.threads < r.cores) {
    advice.push(`libtorch uses ${r.threads} of ${r.cores} CPUs for one op: try RLHF_NUM_THREADS=${r.cores} (or the physical core count)`);
  }
  if (r.gpuPresent && !r.cudaAvailable) {
    advice.push('an NVIDIA GPU is present but this libtorch cannot use it: build against a CUDA libtorch (LIBTORCH=/path/to/libtorch npm run build:native)');
  }
  if (r.freeMemoryBytes < 2 * GiB) {
    advice.push(`only ${(r.freeMemoryBytes / GiB).toFixed(1)} GiB of memory free: use a smaller model, batch or max_length`);
  }
  if (r.freeDiskBytes !== undefined && r.freeDiskBytes < 5 * GiB) {
    advice.push(`only ${(r.freeDiskBytes / GiB).toFixed(1)} GiB free on ${process.cwd()}: checkpoints may not fit`);
  }
  const [major = 0, minor = 0] = r.nodeVersion.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 17)) advice.push(`Node ${r.nodeVersion} is older than the supported 20.17: upgrade Node`);
  return advice;
}

const LIBTORCH_SOURCES: Record<LibtorchSource, string> = {
  wheel: "a PyTorch wheel's, unpacked by scripts/setup.sh (the default)",
  system: "Debian's libtorch-dev (RLHF_LIBTORCH=system, or no wheel was found)",
  LIBTORCH: 'LIBTORCH, a libtorch of your own',
  unknown: 'unknown (libtorch not found in /proc/self/maps)',
};

/** The largest model this machine can train, by mode and weight dtype (the memory planner's per-parameter costs). */
export interface TrainableSizes {
  /** The memory sized against: the first GPU's free memory with CUDA, else the CPU's available memory. */
  budgetBytes: number;
  budget: string;
  /** Parameters, by mode and the dtype the weights train in (AdamW state in the same dtype). */
  parameters: Record<TuningMode, { float32: number; bfloat16: number }>;
}

/**
 * What fits in this machine's memory: PARAMETER_SHARE of it for weights, gradients and AdamW
 * state at the planner's bytes per parameter (full: 16 B in float32, 8 B in bfloat16; LoRA: the
 * frozen weight and 1% of adapters), the rest for activations.
 * @example trainableSizes(machineMemory()).parameters.full.float32
 */
export function trainableSizes(m: MachineMemory): TrainableSizes {
  const budget = (m.gpus.length > 0 ? budgetOf(m, 'cuda') : null) ?? budgetOf(m, 'cpu') ?? { bytes: m.freeBytes, what: 'CPU memory available' };
  const size = (mode: TuningMode) => ({ float32: trainableModelSize(budget.bytes, mode, 'float32'), bfloat16: trainableModelSize(budget.bytes, mode, 'bfloat16') });
  return { budgetBytes: budget.bytes, budget: budget.what, parameters: { full: size('full'), lora: size('lora') } };
}

/** The machine rows of `rlhf env`: GPU memory (with CUDA) and the models that can be trained here. */
export function machineRows(gpus: readonly GpuMemory[], sizes: TrainableSizes): [string, string][] {
  const rows: [string, string][] = gpus.map((g) => [`GPU ${g.index} memory`, `${gib(g.freeBytes)} free of ${gib(g.totalBytes)} (${g.name})`]);
  const per = (mode: TuningMode) => {
    const p = sizes.parameters[mode];
    const each = (dtype: 'float32' | 'bfloat16') => `${modelSizeName(p[dtype])} in ${dtype} (${+bytesPerParameter(mode, dtype).toFixed(2)} B each)`;
    return `${each('float32')}, ${each('bfloat16')}`;
  };
  rows.push(['full fine-tuning', `up to ${per('full')}`]);
  rows.push(['LoRA fine-tuning', `up to ${per('lora')}`]);
  rows.push(['sized against', `${PARAMETER_SHARE * 100}% of ${gib(sizes.budgetBytes)} (${sizes.budget}) for weights, gradients and AdamW state; rlhf plan --config FILE for a run`]);
  return rows;
}

/** The report as aligned `name: value` lines; `extra` rows (machineRows) go after the memory. */
export function formatEnvReport(r: EnvReport, extra: readonly [string, string][] = []): string[] {
  const inGib = (b: number | undefined) => (b === undefined ? 'unknown' : `${(b / GiB).toFixed(1)} GiB`);
  const rows: [string, string][] = [
    ['libtorch', r.torchVersion],
    ['libtorch path', r.libtorchPath ?? 'not found in /proc/self/maps'],
    ['libtorch source', LIBTORCH_SOURCES[r.libtorchSource]],
    ['the other libtorch', otherLibtorch(r.libtorchSource, r.torchVersion)],
    ['BLAS', r.blasPath ? `${r.blas} (${r.blasPath})` : r.blas],
    ['threads', `${r.threads} intra-op of ${r.cores} CPUs`],
    ['CUDA', r.cudaAvailable ? `available, ${r.cudaDevices} device${r.cudaDevices === 1 ? '' : 's'}` : 'not available'],
    ['free memory', `${inGib(r.freeMemoryBytes)} of ${inGib(r.totalMemoryBytes)}`],
    ...extra,
    ['free disk (cwd)', inGib(r.freeDiskBytes)],
    ['node', r.nodeVersion],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`);
}

/**
 * Runs `rlhf env [--json]`; returns 0.
 * @example runEnv([])
 */
export function runEnv(args: readonly string[], io: CommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): number {
  if (args.some((a) => a !== '--json')) {
    io.err(`rlhf env: unknown argument '${args.find((a) => a !== '--json') ?? ''}'\nusage: rlhf env [--json]`);
    return 2;
  }
  const report = collectEnvReport();
  const advice = adviseEnv(report);
  const machine = machineMemory();
  const trainable = trainableSizes(machine);
  if (args.includes('--json')) {
    io.out(JSON.stringify({ ...report, gpus: machine.gpus, trainable, advice }, null, 2));
    return 0;
  }
  for (const line of formatEnvReport(report, machineRows(machine.gpus, trainable))) io.out(line);
  for (const line of advice) io.out(`advice: ${line}`);
  return 0;
}
