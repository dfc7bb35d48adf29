/**
 * The TS collectives over c10d (TCPStore + Gloo on loopback), run by 2 real processes, and the
 * launcher environment and data sharding they rest on.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { distributedShard } from '../../src/data/index.js';
import { firstSlurmHost, worldEnv } from '../../src/distributed/index.js';
import { freePort, rankEnv } from '../helpers/distributed.js';

function runRank(rank: number, port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...rankEnv(rank, 2, port), RLHF_NUM_THREADS: '1' };
    const child = spawn(process.execPath, ['dist/test/distributed/fixtures/collectives-worker.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() as string) as Record<string, unknown>) : reject(new Error(`rank ${rank} exited ${code}: ${err}`))));
  });
}

test('collectives on 2 processes: all-reduce (sum, avg, max, product), broadcast, all-gather, reduce-scatter, async work, store, barrier; gradient sync with no_sync and unused parameters', async () => {
  const port = await freePort();
  const [r0, r1] = await Promise.all([runRank(0, port), runRank(1, port)]);
  for (const [rank, r] of [[0, r0], [1, r1]] as const) {
    assert.deepEqual(r!['sum'], [3, 30]);
    assert.deepEqual(r!['avg'], [1.5, 2]);
    assert.deepEqual(r!['max'], [1, 0]);
    assert.deepEqual(r!['product'], [6]);
    assert.deepEqual(r!['broadcast'], [7, 8]);
    assert.deepEqual(r!['allGather'], [[0, 0], [1, 1]]);
    // rank r gets the sum of every rank's inputs[r]: [1 + 0, 2] + [1 + 1, 2] = [3, 4]; [0, 4] + [3, 4] = [3, 8]
    assert.deepEqual(r!['reduceScatter'], rank === 0 ? [3, 4] : [3, 8]);
    assert.deepEqual(r!['async'], [2]);
    assert.deepEqual(r!['numbers'], [1, 2]);
    assert.equal(r!['store'], `from ${1 - rank}`);
    assert.equal(r!['total'], 3);
    // no_sync: each rank's own gradient (rank + 1 per element of a).
    assert.deepEqual(r!['local'], [rank + 1, rank + 1]);
    // Armed: a = sum over ranks of 2 backwards each ((1 + 1) + (2 + 2)); b only rank 0's (2 x 10); c used by no rank: no gradient.
    assert.deepEqual(r!['synced'], [[6, 6], [20], null]);
    assert.ok((r!['launched'] as number) >= 0);
    // Without find_unused_parameters a parameter without a gradient stops the step, named.
    assert.match(r!['strict'] as string, /^rank \d: 1 trainable parameter\(s\) got no gradient in this step \(c\); .*find_unused_parameters: true/);
  }
});

test("worldEnv reads torchrun's and SLURM's variables and rejects nonsense", () => {
  assert.deepEqual(worldEnv({}), { rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1, masterAddr: '127.0.0.1', masterPort: 29500, source: 'none' });
  assert.deepEqual(worldEnv({ RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: 'node0', MASTER_PORT: '1234' }), {
    rank: 3, worldSize: 4, localRank: 1, localWorldSize: 2, masterAddr: 'node0', masterPort: 1234, source: 'torchrun',
  });
  assert.deepEqual(worldEnv({ SLURM_PROCID: '5', SLURM_NTASKS: '8', SLURM_LOCALID: '1', SLURM_NTASKS_PER_NODE: '4(x2)', SLURM_JOB_NODELIST: 'gpu[07-08]' }), {
    rank: 5, worldSize: 8, localRank: 1, localWorldSize: 4, masterAddr: 'gpu07', masterPort: 29500, source: 'slurm',
  });
  assert.equal(firstSlurmHost('a1,b2'), 'a1');
  assert.equal(firstSlurmHost('cn[003,007-009]'), 'cn003');
  assert.throws(() => worldEnv({ RANK: '2', WORLD_SIZE: '2' }), /RANK=2 must be below WORLD_SIZE=2/);
  assert.throws(() => worldEnv({ RANK: '0' }), /RANK=0 WORLD_SIZE=\(unset\): a launcher sets both/);
  assert.throws(() => worldEnv({ RANK: 'x', WORLD_SIZE: '2' }), /RANK=x must be an integer >= 0/);
  assert.throws(() => worldEnv({ MASTER_PORT: '70000' }), /MASTER_PORT=70000 must be a TCP port/);
});

test('distributedShard deals an epoch as DistributedSampler does: strided, padded, disjoint', () => {
  assert.deepEqual(distributedShard([7, 3, 5, 1, 0], 0, 2), [7, 5, 0]);
  assert.deepEqual(distributedShard([7, 3, 5, 1, 0], 1, 2), [3, 1, 7]);
  assert.deepEqual(distributedShard([4, 2, 0, 1, 3, 5], 2, 3), [0, 5]);
  assert.deepEqual(distributedShard([1, 2], 0, 1), [1, 2]);
});
