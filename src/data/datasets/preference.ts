/** The preference pairs a run config names, tokenized as the reward and DPO trainers read them. */
import type { RunConfig } from '../../config/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import { tokenizePreference, type PreferenceExample } from '../collate/index.js';
import { loadDataset } from '../load.js';
import { withOrigin } from '../origin.js';
import { datasetFiles, tokenizeOptions, type Split } from './files.js';

/** Reads and tokenizes the preference files named by the config (pairs with an empty side dropped). */
export async function loadRewardExamples(config: RunConfig, tokenizer: Tokenizer, split: Split): Promise<PreferenceExample[]> {
  const opts = tokenizeOptions(config, tokenizer);
  const paths = datasetFiles(config, 'preference', split);
  const out: PreferenceExample[] = [];
  for (const path of paths) {
    const { records } = await loadDataset(path, { format: 'preference', onError: config.data.on_error });
    for (const r of records) out.push(withOrigin(r, tokenizePreference(tokenizer, r, opts)));
  }
  return out.filter((e) => e.promptIds.length + e.chosenIds.length > 0 && e.promptIds.length + e.rejectedIds.length > 0);
}
