/**
 * `npm run bench -- core`: the tensor core against its limits.
 * 1. fp32 GEMM through the TS API vs the same at::mm loop in C++ (the OpenBLAS limit).
 * 2. JS-to-native overhead of a tiny add (TS loop vs C++ loop).
 * 3. One training step (forward + backward + AdamW) of a transformer block, hidden 256,
 *    seq 256, batch 8, vs PyTorch eager on the same block where python3 has torch.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AdamW } from '../src/optim/index.js';
import { native } from '../src/native/binding.js';
import { buildInfo, getNumThreads, manualSeed, noGrad, ones, randn, setNumThreads, tidy, TransformerBlock } from '../src/index.js';
import { findTorchPython, runPythonJson } from './python.js';
import { fmt, median, seconds, table } from './stats.js';

interface TorchFigures {
  torch: string;
  threads: number;
  gemm_gflops: Record<string, number>;
  add_us: number;
  block_step_s: number;
}

/** The BLAS library actually mapped into this process (Debian's libblas.so.3 is an alternative). */
function linkedBlas(): string | null {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    for (const lib of ['openblas', 'mkl', 'blis', 'libblas']) if (maps.includes(lib)) return lib;
  } catch {
    // not Linux
  }
  return null;
}

const THREADS = Number(process.env.RLHF_BENCH_THREADS ?? 2);

export function runCore(): void {
  setNumThreads(THREADS);
  manualSeed(0);
  const info = buildInfo();
  const blas = linkedBlas() ?? /BLAS_INFO=(\w+)/.exec(info.config)?.[1] ?? 'unknown';
  console.log(`rlhf-ts core bench: libtorch ${info.torchVersion}, BLAS ${blas}, ${getNumThreads()} threads, fused attention: ${info.fusedAttention}`);

  const python = findTorchPython(info.torchVersion);
  let torch: TorchFigures | null = null;
  if (python) {
    const script = fileURLToPath(new URL('../../bench/core_torch.py', import.meta.url));
    torch = runPythonJson<TorchFigures>(python, script, [String(THREADS)]);
    console.log(`PyTorch side by side: ${python}, torch ${torch.torch}, ${torch.threads} threads`);
  } else {
    console.log("PyTorch side by side: skipped (no python3 with torch; Debian: apt-get install python3-torch)");
  }

  console.log('\n1. fp32 GEMM (GFLOP/s)');
  const gemmRows: (string | number)[][] = [];
  for (const n of [512, 1024, 2048]) {
    const iters = Math.max(3, Math.round(2e10 / (2 * n ** 3)));
    const flop = 2 * n ** 3 * iters;
    const [ts, cpp] = tidy(() => {
      const a = randn([n, n]);
      const b = randn([n, n]);
      native.benchMatmul(a.handle, b.handle, 2);
      const cppS = native.benchMatmul(a.handle, b.handle, iters);
      const tsS = noGrad(() => seconds(() => {
        for (let i = 0; i < iters; i++) a.matmul(b).dispose();
      }));
      return [flop / tsS / 1e9, flop / cppS / 1e9];
    });
    const row: (string | number)[] = [n, fmt(ts, 1), fmt(cpp, 1), `${fmt((100 * ts) / cpp, 1)}%`];
    if (torch) row.push(fmt(torch.gemm_gflops[String(n)] ?? NaN, 1), `${fmt(ts / (torch.gemm_gflops[String(n)] ?? NaN), 2)}x`);
    gemmRows.push(row);
  }
  table(['n', 'TS API', 'C++ at::mm', 'TS/C++', ...(torch ? ['PyTorch', 'TS/PyTorch'] : [])], gemmRows);

  console.log('\n2. per-op overhead, tiny add (µs/op; TS ops inside tidy() blocks of 100, as in a training step)');
  const iters = 200_000;
  const [tsUs, cppUs] = tidy(() => {
    const x = ones([1]);
    const y = ones([1]);
    for (let i = 0; i < 10_000; i++) x.add(y).dispose();
    const cppS = native.benchAdd(x.handle, y.handle, iters);
    const tsS = noGrad(() => seconds(() => {
      for (let b = 0; b < iters / 100; b++) {
        tidy(() => {
          for (let i = 0; i < 100; i++) x.add(y);
        });
      }
    }));
    return [(tsS / iters) * 1e6, (cppS / iters) * 1e6];
  });
  const addRow: (string | number)[] = [fmt(tsUs), fmt(cppUs), fmt(tsUs - cppUs)];
  if (torch) addRow.push(fmt(torch.add_us), `${fmt(torch.add_us / tsUs)}x`);
  table(['TS API', 'C++ at::add', 'binding cost', ...(torch ? ['PyTorch eager', 'PyTorch/TS'] : [])], [addRow]);

  console.log('\n3. transformer block step: forward + backward + AdamW (hidden 256, seq 256, batch 8)');
  const block = new TransformerBlock({ hidden: 256, intermediate: 704, heads: 8, kvHeads: 4 });
  const opt = new AdamW(block.parameters(), { lr: 1e-4 });
  const x = randn([8, 256, 256]);
  const times: number[] = [];
  for (let i = 0; i < 13; i++) {
    times.push(
      seconds(() =>
        tidy(() => {
          block.forward(x).pow(2).mean().backward();
          opt.step();
          opt.zeroGrad();
        }),
      ),
    );
  }
  const step = median(times.slice(3));
  const tokens = 8 * 256;
  const blockRow: (string | number)[] = [fmt(step * 1000, 1), fmt(tokens / step, 0)];
  if (torch) blockRow.push(fmt(torch.block_step_s * 1000, 1), `${fmt(torch.block_step_s / step)}x`);
  table(['TS ms/step', 'TS tokens/s', ...(torch ? ['PyTorch ms/step', 'speed vs PyTorch'] : [])], [blockRow]);
  x.dispose();
  opt.dispose?.();
  block.dispose();
}
