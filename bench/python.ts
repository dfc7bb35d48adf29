/** Finds a Python with PyTorch for side-by-side runs (PATH's python3, then Debian's). */
import { spawnSync } from 'node:child_process';

/**
 * RLHF_BENCH_PYTHON if set; otherwise the first Python with torch, preferring one whose torch
 * has the same major.minor as the linked libtorch so both sides run the same kernels.
 */
export function findTorchPython(libtorchVersion: string): string | null {
  if (process.env.RLHF_BENCH_PYTHON) return process.env.RLHF_BENCH_PYTHON;
  const wanted = libtorchVersion.split('.').slice(0, 2).join('.');
  let fallback: string | null = null;
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    if (r.stdout.trim().startsWith(wanted)) return py;
    fallback ??= py;
  }
  return fallback;
}

/** RLHF_BENCH_PYTHON, else the first of python3 and Debian's /usr/bin/python3 that imports torch and transformers. */
export function findTransformersPython(): string | null {
  for (const py of [process.env.RLHF_BENCH_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    if (pythonImports(py, 'torch, transformers')) return py;
  }
  return null;
}

/** Whether `python -c 'import <modules>'` succeeds. */
export function pythonImports(python: string, modules: string): boolean {
  return spawnSync(python, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0;
}

/** Runs a Python script and parses the JSON object it prints last. */
export function runPythonJson<T>(python: string, script: string, args: string[]): T {
  const r = spawnSync(python, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${python} ${script} failed: ${r.stderr.slice(-2000)}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as T;
}
