/**
 * Unpaired preference data (KTO): the {prompt, completion, label} format with file:line errors,
 * paired rows unpaired exactly as TRL 1.13's unpair_preference_dataset (test/fixtures/rl/kto.json,
 * written by make_kto_golden.py), TRL KTOTrainer's token ids, and its KL pairs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunConfig } from '../../src/config/index.js';
import { loadDataset, loadUnpairedPreferences, mismatchedCompletions, originOf, tokenizeUnpairedPreference, unpairPreferences, UNPAIR_BATCH_ROWS, type PreferenceRecord } from '../../src/data/index.js';
import { Tokenizer } from '../../src/tokenizers/index.js';

const MODEL = 'test/fixtures/models/tiny-qwen2';
const fx = JSON.parse(readFileSync('test/fixtures/rl/kto.json', 'utf8')).unpair;
const pref = JSON.parse(readFileSync(join(MODEL, 'golden.json'), 'utf8')).preference;

function file(lines: unknown[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'unpaired-')), 'data.jsonl');
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

test('paired rows unpair into exactly the examples of TRL unpair_preference_dataset, keeping file:line', () => {
  const pairs: PreferenceRecord[] = fx.pairs.map((p: Record<string, string>) => ({ kind: 'preference', ...p }));
  const got = unpairPreferences(pairs).map(({ prompt, completion, label }) => ({ prompt, completion, label }));
  assert.deepEqual(got, fx.unpaired);
  // TRL maps in batches of 1000 rows: each batch's chosen answers, then its rejected ones.
  const many: PreferenceRecord[] = Array.from({ length: UNPAIR_BATCH_ROWS + 2 }, (_, i) => ({ kind: 'preference', prompt: `p${i}`, chosen: `c${i}`, rejected: `r${i}` }));
  const order = unpairPreferences(many).map((r) => r.completion);
  assert.deepEqual(order.slice(UNPAIR_BATCH_ROWS - 1, UNPAIR_BATCH_ROWS + 1), [`c${UNPAIR_BATCH_ROWS - 1}`, 'r0']);
  assert.deepEqual(order.slice(2 * UNPAIR_BATCH_ROWS), [`c${UNPAIR_BATCH_ROWS}`, `c${UNPAIR_BATCH_ROWS + 1}`, `r${UNPAIR_BATCH_ROWS}`, `r${UNPAIR_BATCH_ROWS + 1}`]);
});

test('unpaired rows: standard and conversational, and a bad line names file:line and the field', async () => {
  const path = file([
    { prompt: 'The sky is', completion: ' blue.', label: true },
    { prompt: [{ role: 'user', content: 'Hi' }], completion: [{ role: 'assistant', content: 'Hello!' }], label: false },
    { prompt: 'x', completion: 'y', label: 'yes' },
    { prompt: 'x', label: true },
  ]);
  const { records, skipped } = await loadDataset(path, { format: 'unpaired_preference', onError: 'skip', reportSkipped: null });
  assert.deepEqual(records, [
    { kind: 'unpaired_preference', prompt: 'The sky is', completion: ' blue.', label: true },
    { kind: 'unpaired_preference', prompt: [{ role: 'user', content: 'Hi' }], completion: [{ role: 'assistant', content: 'Hello!' }], label: false },
  ]);
  assert.deepEqual(skipped, [
    { line: 3, message: `field 'label' must be true (desirable) or false (undesirable), got string "yes"` },
    { line: 4, message: "field 'completion' is missing" },
  ]);
  await assert.rejects(loadDataset(path, { format: 'unpaired_preference', onError: 'fail' }), (err: Error) => err.message.startsWith(`${path}:3: `));
});

test('tokenization is TRL KTOTrainer\'s (the DPO rule with one completion) and the KL pairs rotate by one', async () => {
  const tokenizer = Tokenizer.fromPretrained(MODEL);
  pref.examples.forEach((e: { prompt: object[]; chosen: object[]; rejected: object[] }, i: number) => {
    const ex = tokenizeUnpairedPreference(tokenizer, { kind: 'unpaired_preference', prompt: e.prompt as never, completion: e.rejected as never, label: false });
    assert.deepEqual(ex.promptIds, pref.prompt_ids[i]);
    assert.deepEqual(ex.completionIds, pref.rejected_ids[i]);
    assert.equal(ex.label, false);
  });
  // Plain text: the eos text is appended to the completion (TRL's add_eos).
  const plain = tokenizeUnpairedPreference(tokenizer, { kind: 'unpaired_preference', prompt: 'The sky is', completion: ' blue.', label: true });
  assert.deepEqual([...plain.promptIds, ...plain.completionIds], tokenizer.encode(`The sky is blue.${tokenizer.eosToken}`));
  const rows = [{ promptIds: [1, 2], completionIds: [3] }, { promptIds: [4], completionIds: [5, 6, 7] }, { promptIds: [8], completionIds: [9] }];
  assert.deepEqual(mismatchedCompletions(rows), [[[1, 2], [9]], [[4], [3]], [[8], [5, 6, 7]]]);
  assert.deepEqual(mismatchedCompletions(rows, 3), [[[1, 2], [9]], [[4], [3]], [[8], [5, 6]]], 'each KL sequence is cut to max_length');

  // A run reads unpaired files, paired files (unpaired) and a dataset_path of either kind.
  const paired = file(pref.examples);
  const unpaired = file([{ prompt: 'The sky is', completion: ' blue.', label: true }]);
  const config = RunConfig.parse({
    model: { name_or_path: MODEL },
    training: { algorithm: 'kto' },
    data: { dataset_path: paired, datasets: { unpaired_preference: { train_files: [{ path: unpaired }] }, preference: { validation_files: [{ path: paired }] } } },
  });
  const train = await loadUnpairedPreferences(config, tokenizer, 'train');
  assert.deepEqual(train.map((e) => e.label), [true, true, false, false, true]);
  assert.deepEqual(train[2]?.completionIds, pref.rejected_ids[0]);
  assert.equal(originOf(train[3])?.line, 2, 'an unpaired example keeps its pair\'s line');
  assert.equal((await loadUnpairedPreferences(config, tokenizer, 'validation')).length, 4);
});
