/** Which files a run reads for one dataset kind and split, and the tokenization limits, from the config. */
import type { RunConfig } from '../../config/index.js';
import { checkChatTemplateMode } from '../collate/plain-text.js';
import type { DataKind } from '../records.js';
import type { TextTokenizer } from '../../tokenizers/index.js';

export type Split = 'train' | 'validation';

/** `data.datasets.<kind>.<split>_files`, with `data.dataset_path` first for the training split of `primary`. */
export function datasetFiles(config: RunConfig, kind: DataKind, split: Split, primary = true): string[] {
  const group = config.data.datasets[kind];
  const files = (split === 'train' ? group?.train_files : group?.validation_files)?.map((f) => f.path) ?? [];
  if (primary && split === 'train' && config.data.dataset_path !== null) files.unshift(config.data.dataset_path);
  return files;
}

/** Truncation limits and `data.chat_template` (the tokenize functions apply it per record). */
export function tokenizeOptions(config: RunConfig, tokenizer: TextTokenizer & { chatTemplate: unknown }) {
  return { maxLength: config.data.max_length, maxPromptLength: config.data.max_prompt_length, chatTemplate: checkChatTemplateMode(config.data.chat_template, tokenizer) };
}
