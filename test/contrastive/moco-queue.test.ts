/** MoCoQueue's ring (MoCo's _dequeue_and_enqueue), its state dict round trip, and the momentum update. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadSafetensors, manualSeed, saveSafetensors, tensor, Linear } from '../../src/index.js';
import { MoCoQueue, momentumUpdate } from '../../src/contrastive/index.js';
import { assertClose, scoped } from '../helpers/assert.js';

const rows = (start: number, n: number, d = 2): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: d }, () => start + i));

test('MoCoQueue starts as unit vectors from the seeded generator and overwrites the oldest keys in a ring', scoped(() => {
  manualSeed(7);
  const q = new MoCoQueue(5, 2);
  manualSeed(7);
  const again = new MoCoQueue(5, 2);
  assert.ok(q.keys.equal(again.keys), 'same seed, same initial queue');
  assertClose(q.keys.norm({ dim: 1 }), [1, 1, 1, 1, 1], { atol: 1e-6 });
  const initial = q.keys.toArray() as number[][];
  q.enqueue(tensor(rows(10, 2), { dtype: 'float32' }));
  assert.equal(q.pointer, 2);
  assertClose(q.keys, [...rows(10, 2), ...initial.slice(2)]);
  q.enqueue(tensor(rows(20, 2), { dtype: 'float32' }));
  q.enqueue(tensor(rows(30, 2), { dtype: 'float32' })); // wraps: rows 4 and 0
  assert.equal(q.pointer, 1);
  assertClose(q.keys, [[31, 31], [11, 11], [20, 20], [21, 21], [30, 30]]);
  q.enqueue(tensor(rows(40, 5), { dtype: 'float32' })); // a full queue's worth
  assert.equal(q.pointer, 1);
  assertClose(q.keys, [[44, 44], [40, 40], [41, 41], [42, 42], [43, 43]]);
  assert.throws(() => q.enqueue(tensor(rows(0, 6), { dtype: 'float32' })), /6 keys do not fit a queue of 5/);
  assert.throws(() => q.enqueue(tensor(rows(0, 2, 3), { dtype: 'float32' })), /keys must have shape \[N, 2\], got \[2, 3\]/);
  const k = tensor(rows(50, 1), { dtype: 'float32', requiresGrad: true });
  q.enqueue(k.mul(2));
  assert.equal(q.keys.requiresGrad, false, 'enqueued keys are detached');
  q.dispose();
  again.dispose();
}));

test('MoCoQueue.stateDict holds queue and queue_ptr; a saved queue resumes where it stopped', scoped(() => {
  const dir = mkdtempSync(join(tmpdir(), 'moco-queue-'));
  try {
    const q = new MoCoQueue(4, 3);
    q.enqueue(tensor(rows(1, 3, 3), { dtype: 'float32' }));
    const state = q.stateDict();
    assert.deepEqual([...state.keys()], ['queue', 'queue_ptr']);
    assert.deepEqual(state.get('queue_ptr')?.toArray(), [3]);
    saveSafetensors(join(dir, 'queue.safetensors'), state);
    const restored = new MoCoQueue(4, 3);
    const loaded = loadSafetensors(join(dir, 'queue.safetensors'));
    restored.loadStateDict(loaded);
    assert.equal(restored.pointer, 3);
    assert.ok(restored.keys.equal(q.keys));
    restored.enqueue(tensor(rows(9, 2, 3), { dtype: 'float32' }));
    q.enqueue(tensor(rows(9, 2, 3), { dtype: 'float32' }));
    assert.ok(restored.keys.equal(q.keys), 'the same writes after the resume');
    const bigger = new MoCoQueue(5, 3);
    assert.throws(() => bigger.loadStateDict(loaded), /'queue' has shape \[4, 3\], this queue is \[5, 3\]/);
    bigger.dispose();
    assert.throws(() => restored.loadStateDict({ queue: q.keys, queue_ptr: tensor([4]) }), /'queue_ptr' must be one integer in \[0, 4\)/);
    assert.throws(() => restored.loadStateDict({ queue: q.keys }), /needs 'queue' and 'queue_ptr'/);
    for (const t of loaded.values()) t.dispose();
    q.dispose();
    restored.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('momentumUpdate moves the key encoder: θk <- m θk + (1 - m) θq, without gradient', scoped(() => {
  const online = new Linear(3, 2);
  const target = new Linear(3, 2).freeze();
  const before = target.parameters().map((p) => p.toArray() as number[] | number[][]);
  const q = online.parameters().map((p) => p.toArray() as number[] | number[][]);
  momentumUpdate(target.parameters(), online.parameters(), 0.9);
  const mix = (a: number[] | number[][], b: number[] | number[][]): number[] | number[][] =>
    (a as (number | number[])[]).map((v, i) => (Array.isArray(v) ? mix(v, (b as number[][])[i] as number[]) : 0.9 * v + 0.1 * ((b as number[])[i] as number))) as number[] | number[][];
  target.parameters().forEach((p, i) => assertClose(p, mix(before[i] as number[][], q[i] as number[][]), { atol: 1e-6 }));
  assert.ok(target.parameters().every((p) => !p.requiresGrad && p.grad === null));
  momentumUpdate(target.parameters(), online.parameters(), 0);
  target.parameters().forEach((p, i) => assert.ok(p.equal(online.parameters()[i]!), 'm = 0 copies the query encoder'));
  assert.throws(() => momentumUpdate(target.parameters(), online.parameters().slice(1), 0.9), /2 target tensors but 1 online/);
  assert.throws(() => momentumUpdate(target.parameters(), online.parameters(), 1.5), /momentum \(1.5\) must be in \[0, 1\]/);
  assert.throws(() => momentumUpdate([target.weight], [online.bias!], 0.9), /tensor 0 has shape \[2, 3\] in target but \[2\] in online/);
  online.dispose();
  target.dispose();
}));
