/**
 * The unpaired preference examples a KTO run reads: data.datasets.unpaired_preference files,
 * data.datasets.preference files unpaired as TRL's unpair_preference_dataset, and
 * data.dataset_path as either (paired when its first row has `chosen` and `rejected`, as TRL
 * decides from a dataset's first example).
 */
import type { RunConfig } from '../../config/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import { tokenizeUnpairedPreference, type UnpairedPreferenceExample } from '../collate/index.js';
import { loadDataset } from '../load.js';
import { withOrigin } from '../origin.js';
import { readRows } from '../readers/index.js';
import type { UnpairedPreferenceRecord } from '../records.js';
import { unpairPreferences } from '../tools/unpair.js';
import { datasetFiles, tokenizeOptions, type Split } from './files.js';

/** Whether the first row of `path` is a preference pair (`chosen` and `rejected`). */
async function holdsPairs(path: string): Promise<boolean> {
  for await (const row of readRows(path)) {
    const v = row.value;
    return v !== null && typeof v === 'object' && !Array.isArray(v) && 'chosen' in v && 'rejected' in v;
  }
  return false;
}

/** The records of one file, unpaired when it holds pairs. */
async function unpairedRecords(path: string, paired: boolean, onError: RunConfig['data']['on_error']): Promise<UnpairedPreferenceRecord[]> {
  if (paired) return unpairPreferences((await loadDataset(path, { format: 'preference', onError })).records);
  return (await loadDataset(path, { format: 'unpaired_preference', onError })).records;
}

/**
 * Reads and tokenizes the unpaired (and paired, unpaired here) preference files named by the
 * config; examples whose completion is empty after truncation are dropped (TRL drops those whose
 * prompt fills max_length).
 */
export async function loadUnpairedPreferences(config: RunConfig, tokenizer: Tokenizer, split: Split): Promise<UnpairedPreferenceExample[]> {
  const opts = tokenizeOptions(config, tokenizer);
  const onError = config.data.on_error;
  const sources: [string, boolean][] = [];
  if (split === 'train' && config.data.dataset_path !== null) sources.push([config.data.dataset_path, await holdsPairs(config.data.dataset_path)]);
  for (const path of datasetFiles(config, 'unpaired_preference', split, false)) sources.push([path, false]);
  for (const path of datasetFiles(config, 'preference', split, false)) sources.push([path, true]);
  const out: UnpairedPreferenceExample[] = [];
  for (const [path, paired] of sources) {
    for (const r of await unpairedRecords(path, paired, onError)) out.push(withOrigin(r, tokenizeUnpairedPreference(tokenizer, r, opts)));
  }
  return out.filter((e) => e.completionIds.length > 0);
}
