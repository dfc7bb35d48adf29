import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { keep, memory, ones, tidy, zeros } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('tensors dropped without dispose() are freed by the FinalizationRegistry net', async () => {
  const before = memory().numTensors;
  (() => {
    for (let i = 0; i < 100; i++) ones([1000]); // made outside any scope and never disposed
  })();
  assert.equal(memory().numTensors, before + 100);
  for (let round = 0; round < 20 && memory().numTensors > before; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve)); // registry callbacks run as tasks
  }
  assert.equal(memory().numTensors, before);
});

async function collectUntil(count: number): Promise<void> {
  for (let round = 0; round < 20 && memory().numTensors > count; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('tensors that escape every scope (returned from the outermost tidy, or kept) are netted too', async () => {
  const before = memory().numTensors;
  (() => {
    for (let i = 0; i < 20; i++) tidy(() => ones([10]).add(1)); // the sum escapes, the ones are freed
    tidy(() => {
      for (let i = 0; i < 20; i++) keep(ones([10]));
    });
  })();
  assert.equal(memory().numTensors, before + 40);
  await collectUntil(before);
  assert.equal(memory().numTensors, before);
});

test('bytes of netted tensors are reported to V8 as external memory, scope-held ones are not', () => {
  const bytes = 64 * 2 ** 20;
  const batching = 2 ** 20; // changes under 1 MiB wait to be reported with the next
  const external0 = memory().v8ExternalBytes;
  const big = zeros([bytes / 4]);
  const external1 = memory().v8ExternalBytes;
  assert.ok(Math.abs(external1 - external0 - bytes) <= batching, `external grew by ${external1 - external0}, expected ${bytes} ± ${batching}`);
  big.dispose();
  const external2 = memory().v8ExternalBytes;
  assert.ok(Math.abs(external1 - external2 - bytes) <= batching, `external fell by ${external1 - external2}, expected ${bytes} ± ${batching}`);
  // A scope frees its own tensors, so a GC could not: V8 is not told about them.
  const inScope = tidy(() => {
    zeros([bytes / 4]);
    return memory().v8ExternalBytes;
  });
  assert.equal(inScope, external2);
});
