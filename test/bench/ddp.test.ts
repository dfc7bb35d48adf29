/** The pure parts of `npm run bench -- ddp`: argument parsing, the bus-bandwidth arithmetic and the overlap figures. Nothing is launched here. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { parseDdpArgs, DDP_PARTS } from '../../bench/ddp_args.js';
import { busBandwidth, itersFor } from '../../bench/ddp_allreduce.js';
import { overlapRow } from '../../bench/ddp_overlap.js';

test('bench ddp args: defaults are the issue sizes, every part, bench-results/ddp-<date>.json', () => {
  const a = parseDdpArgs([], {}, '2025-01-02');
  assert.deepEqual(a.parts, [...DDP_PARTS]);
  assert.deepEqual(a.sizesMiB, [1, 4, 16, 64, 256]);
  assert.deepEqual(a.bucketsMb, [25, 4]);
  assert.equal(a.steps, 20);
  assert.equal(a.out, join('bench-results', 'ddp-2025-01-02.json'));
});

test('bench ddp args: flags win over RLHF_BENCH_* variables; parts by name', () => {
  const env = { RLHF_BENCH_SIZES: '64,256', RLHF_BENCH_ITERS: '7', RLHF_BENCH_PARTS: 'sft', RLHF_BENCH_OUT: 'env.json' };
  const a = parseDdpArgs(['allreduce', '--sizes', '1,4', '--out', 'x.json'], env, 'd');
  assert.deepEqual(a.parts, ['allreduce']);
  assert.deepEqual(a.sizesMiB, [1, 4]);
  assert.equal(a.iters, 7);
  assert.equal(a.out, 'x.json');
  assert.deepEqual(parseDdpArgs([], env, 'd').parts, ['sft']);
});

test('bench ddp args: refuses unknown parts and options, bad numbers and too few steps', () => {
  assert.throws(() => parseDdpArgs(['nccl'], {}, 'd'), /part 'nccl'/);
  assert.throws(() => parseDdpArgs(['--size', '1'], {}, 'd'), /unknown option '--size'/);
  assert.throws(() => parseDdpArgs(['--iters', '0'], {}, 'd'), /positive integer/);
  assert.throws(() => parseDdpArgs(['--sizes', '1,x'], {}, 'd'), /positive number/);
  assert.throws(() => parseDdpArgs(['--steps', '2'], {}, 'd'), /must be >= 3/);
  assert.throws(() => parseDdpArgs(['--out'], {}, 'd'), /needs a value/);
});

test("bus bandwidth follows nccl-tests: algbw x 2(n-1)/n (equal to algbw at 2 ranks)", () => {
  assert.equal(busBandwidth(1e9, 1, 2), 1e9);
  assert.equal(busBandwidth(1e9, 0.5, 4), 3e9);
  assert.equal(busBandwidth(1e9, 1, 1), 0);
});

test('bench ddp overlap: each step counts the rank whose backward ended last; the other one\'s extra wait is skew', () => {
  const rank = (end: number[], wait: number[]) => ({
    bucketMb: 25, buckets: 2, bytes: 12 * 1024 * 1024, launchedInBackward: 2,
    backwardPlainMs: [100, 100, 100], backwardArmedMs: [104, 104, 104], backwardEndMs: end, waitMs: wait, finishMs: wait, allReduceAloneMs: [20, 20, 20],
  });
  // Step 1: rank 1 ends 30 ms later (rank 0 waits 35 ms, rank 1 5 ms); steps 2 and 3 the other way round.
  const row = overlapRow([rank([1000, 2030, 3030], [35, 5, 5]), rank([1030, 2000, 3000], [5, 35, 35])]);
  assert.equal(row.waitMs, 5);
  assert.equal(row.firstRankWaitMs, 35);
  assert.equal(row.skewMs, 30);
  assert.equal(row.hidden, 0.75);
  assert.equal(row.net, 1 - (104 + 5 - 100) / 20);
  assert.equal(row.mib, 12);
});

test('bench ddp all-reduce: small sizes get more timed iterations (the same traffic as 16 MiB x iters)', () => {
  assert.equal(itersFor(1, 10), 160);
  assert.equal(itersFor(4, 10), 40);
  assert.equal(itersFor(16, 10), 10);
  assert.equal(itersFor(256, 10), 10);
});
