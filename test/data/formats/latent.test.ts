import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadLatentMatrix } from '../../../src/data/formats/index.js';
import { loadDataset } from '../../../src/data/load.js';
import { saveSafetensors } from '../../../src/io/index.js';
import { tensor } from '../../../src/tensor/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'rlhf-latent-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

saveSafetensors(join(tmp, 'index.safetensors'), {
  ex0: tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' }),
  flat: tensor([1, 2, 3], { dtype: 'float32' }),
  ids: tensor([[1, 2]], { dtype: 'int64' }),
});
saveSafetensors(join(tmp, 'other.safetensors'), { ex1: tensor([[0.5, 0.25]], { dtype: 'float32' }) });

describe('latent', () => {
  it('parses {tensor, score} and {file, tensor, score} rows and loads the matrix', async () => {
    const index = join(tmp, 'index.jsonl');
    writeFileSync(index, '{"tensor": "ex0", "score": 0.75}\n{"file": "other.safetensors", "tensor": "ex1", "score": 1}\n');
    const { records } = await loadDataset(index, { format: 'latent' });
    assert.deepEqual(records, [
      { kind: 'latent', tensor: 'ex0', file: join(tmp, 'index.safetensors'), score: 0.75 },
      { kind: 'latent', tensor: 'ex1', file: join(tmp, 'other.safetensors'), score: 1 },
    ]);
    const first = records[0];
    assert.ok(first !== undefined);
    const matrix = loadLatentMatrix(first);
    assert.deepEqual(matrix.shape, [2, 3]);
    assert.deepEqual(matrix.toArray(), [[1, 2, 3], [4, 5, 6]]);
    matrix.dispose();
  });

  it('rejects missing, non-2-D and non-float tensors with file:line', async () => {
    const index = join(tmp, 'bad.jsonl');
    writeFileSync(index, [
      '{"tensor": "nope", "score": 1}',
      '{"tensor": "flat", "score": 1}',
      '{"tensor": "ids", "score": 1}',
      '{"tensor": "ex0", "score": "high"}',
      '{"file": "missing.safetensors", "tensor": "ex0", "score": 1}',
      '{"tensor": "ex0", "score": 0}',
    ].join('\n'));
    const tensors = join(tmp, 'index.safetensors');
    const options = { format: 'latent', latentTensors: 'index.safetensors' } as const;
    await assert.rejects(loadDataset(index, options),
      { message: `${index}:1: field 'tensor' names 'nope', which is not in ${tensors}`, field: 'tensor', line: 1 });
    const { records, skipped } = await loadDataset(index, { ...options, onError: 'skip' });
    assert.deepEqual(records, [{ kind: 'latent', tensor: 'ex0', file: tensors, score: 0 }]);
    assert.deepEqual(skipped, [
      { line: 1, message: `field 'tensor' names 'nope', which is not in ${tensors}` },
      { line: 2, message: `tensor 'flat' in ${tensors} must be 2-D [steps, hidden], got shape [3]` },
      { line: 3, message: `tensor 'ids' in ${tensors} must be a float tensor, got int64` },
      { line: 4, message: "field 'score' must be a finite number, got string" },
      { line: 5, message: `safetensors file not found: ${join(tmp, 'missing.safetensors')}` },
    ]);
  });
});
