/** Settings this build cannot honour are refused when a run would use them, never ignored. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig, unsupportedDataSettings } from '../../src/config/index.js';
import { datasetFiles } from '../../src/data/datasets/files.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const noEnv = { env: {} };

test('data.merge_datasets is refused when a run reads the files, with the equivalent rlhf data merge command', () => {
  const c = parseConfig(
    [
      'model: {name_or_path: m}',
      'training: {seed: 7}',
      'data:',
      '  merge_datasets: true',
      '  merged_cache_path: cache/merged',
      '  merge_config: {strategy: weighted_sampling, shuffle: true}',
      '  datasets:',
      '    sft:',
      '      train_files: [{path: a.jsonl, weight: 2}, {path: b.jsonl, weight: 0.5}]',
    ].join('\n'),
    noEnv,
  );
  assert.throws(
    () => datasetFiles(c, 'sft', 'train'),
    new RegExp(
      '^Error: data\\.merge_datasets is true \\(merge_config\\.strategy weighted_sampling, shuffle true, merged_cache_path "cache/merged"\\), but merging inside a run is not implemented yet; ' +
        'merge the files once with `rlhf data merge a\\.jsonl:2 b\\.jsonl:0\\.5 --out cache/merged/sft\\.jsonl --strategy weighted_sampling --shuffle --seed 7`',
    ),
  );
  // Without merging, the same files are read in order.
  const plain = parseConfig('model: {name_or_path: m}\ndata:\n  datasets:\n    sft:\n      train_files: [{path: a.jsonl, weight: 2}, {path: b.jsonl}]\n', noEnv);
  assert.deepEqual(datasetFiles(plain, 'sft', 'train'), ['a.jsonl', 'b.jsonl']);
});

test('a file name label and a validation weight are refused on the files a run reads, and only there', () => {
  const c = parseConfig(
    'model: {name_or_path: m}\ndata:\n  datasets:\n    sft:\n      train_files: [{path: a.jsonl, name: first}]\n      validation_files: [{path: v.jsonl, weight: 3}]\n    prompt:\n      train_files: [{path: p.jsonl}]\n',
    noEnv,
  );
  assert.throws(() => datasetFiles(c, 'sft', 'train'), /^Error: data\.datasets\.sft\.train_files\[0\]\.name \("first"\) would label a\.jsonl in logs and skip reports, which this build does not write yet; remove it/);
  assert.throws(() => datasetFiles(c, 'sft', 'validation'), /^Error: data\.datasets\.sft\.validation_files\[0\]\.weight is 3, but weights apply only to training files merged with weighted_sampling/);
  assert.deepEqual(datasetFiles(c, 'prompt', 'train'), ['p.jsonl']);
  assert.deepEqual(unsupportedDataSettings(c, 'prompt', 'train'), []);
});

test("the Python framework's config still validates; a PPO run of it is refused for its merge settings", () => {
  const c = loadConfig(join(root, 'test/fixtures/config/python_style.yaml'), noEnv);
  assert.equal(c.data.merge_datasets, true);
  assert.deepEqual(unsupportedDataSettings(c, 'prompt', 'train').map((u) => u.path.join('.')), ['data.merge_datasets']);
});
