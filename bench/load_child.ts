/**
 * One checkpoint load in a fresh process, for bench/load.ts: prints one JSON line with the load
 * time, the RSS before it and the process's peak RSS. With --touch it then reads every weight
 * once (a sum per parameter), so the cost a mapped load defers to first use is measured too.
 *
 * Usage: node dist/bench/load_child.js DIR DTYPE [--no-mmap] [--touch]
 */
import { readFileSync } from 'node:fs';
import { loadCausalLm } from '../src/models/index.js';
import { noGrad, tidy, type DType } from '../src/tensor/index.js';

const [dir, dtype = 'float32', ...flags] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: load_child.js DIR DTYPE [--no-mmap] [--touch]');

/** Current resident set, from /proc (maxRSS only ever grows). */
function rssBytes(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1]) * 1024;
}

const rssBefore = rssBytes();
const start = performance.now();
const lm = loadCausalLm(dir, { dtype: dtype as DType, mmap: !flags.includes('--no-mmap') });
const loadSeconds = (performance.now() - start) / 1000;
const rssAfterLoad = rssBytes();
const peakAfterLoad = process.resourceUsage().maxRSS * 1024;
let touchSeconds: number | null = null;
if (flags.includes('--touch')) {
  const t = performance.now();
  noGrad(() => tidy(() => { for (const [, p] of lm.namedParameters()) p.sum().item(); }));
  touchSeconds = (performance.now() - t) / 1000;
}
console.log(JSON.stringify({
  side: 'rlhf-ts', dtype, loadSeconds, touchSeconds, rssBefore, rssAfterLoad, peakAfterLoad,
  peakRss: process.resourceUsage().maxRSS * 1024,
}));
