/** Finds a Python with PyTorch for side-by-side runs (PATH's python3, then Debian's). */
import { spawnSync } from 'node:child_process';

export function findTorchPython(): string | null {
  for (const py of [process.env.RLHF_BENCH_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

/** Runs a Python script and parses the JSON object it prints last. */
export function runPythonJson<T>(python: string, script: string, args: string[]): T {
  const r = spawnSync(python, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${python} ${script} failed: ${r.stderr.slice(-2000)}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as T;
}
