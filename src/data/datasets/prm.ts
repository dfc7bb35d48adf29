/** What a process-reward-model run reads: stepwise text or latent sequences, picked by `prm.mode`. */
import type { RunConfig } from '../../config/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import { checkChatTemplateMode, tokenizeStepwise, type TokenizedExample } from '../collate/index.js';
import { loadDataset } from '../load.js';
import type { LatentRecord } from '../records.js';
import { datasetFiles, type Split } from './files.js';
import { withOrigin } from '../origin.js';

/** Which PRM a config trains: `prm.mode`, or for 'auto' latent exactly when latent training files are named. */
export function prmMode(config: RunConfig): Exclude<RunConfig['prm']['mode'], 'auto'> {
  if (config.prm.mode !== 'auto') return config.prm.mode;
  return (config.data.datasets.latent?.train_files.length ?? 0) > 0 ? 'latent' : 'stepwise';
}

/** The tokenized stepwise examples of the config's files of `split` (those with a labelled step left after truncation). */
export async function loadStepwise(config: RunConfig, tokenizer: Tokenizer, split: Split): Promise<TokenizedExample[]> {
  const out: TokenizedExample[] = [];
  for (const path of datasetFiles(config, 'stepwise', split)) {
    const { records } = await loadDataset(path, { format: 'stepwise', onError: config.data.on_error });
    for (const r of records) {
      out.push(withOrigin(r, tokenizeStepwise(tokenizer, r, {
        maxLength: config.data.max_length,
        maxPromptLength: config.data.max_prompt_length,
        stepSeparator: config.prm.step_separator,
        trainOnLastStepOnly: config.prm.train_on_last_step_only,
        chatTemplate: checkChatTemplateMode(config.data.chat_template, tokenizer),
      })));
    }
  }
  // A record truncated before its first labelled step has nothing to learn from.
  return out.filter((e) => e.completionMask.some((m) => m === 1));
}

/** The latent records of the config's files of `split`. */
export async function loadLatent(config: RunConfig, split: Split): Promise<LatentRecord[]> {
  const out: LatentRecord[] = [];
  for (const path of datasetFiles(config, 'latent', split)) {
    const { records } = await loadDataset(path, { format: 'latent', onError: config.data.on_error });
    out.push(...records);
  }
  return out;
}
