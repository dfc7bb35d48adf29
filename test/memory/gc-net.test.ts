import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memory, ones, zeros } from '../../src/index.js';

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

test('native bytes are reported to V8 as external memory', () => {
  const bytes = 64 * 2 ** 20;
  zeros([1]).dispose(); // flush releases not yet reported
  const external0 = memory().v8ExternalBytes;
  const big = zeros([bytes / 4]);
  const external1 = memory().v8ExternalBytes;
  assert.ok(external1 - external0 >= bytes - 64, `external grew by ${external1 - external0}, expected >= ${bytes}`);
  big.dispose();
  zeros([1]).dispose(); // the release is reported on the next native allocation
  const external2 = memory().v8ExternalBytes;
  assert.ok(external1 - external2 >= bytes - 64, `external fell by ${external1 - external2}, expected >= ${bytes}`);
});
