/** The prompts a run config names for online RL (GRPO, PPO), tokenized for generation. */
import type { RunConfig } from '../../config/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import { checkChatTemplateMode, tokenizePrompt } from '../collate/index.js';
import { loadDataset } from '../load.js';
import { withOrigin } from '../origin.js';
import { datasetFiles, type Split } from './files.js';

/** A prompt to roll out, with the reference answer rule-based rewards compare against. */
export interface OnlinePrompt {
  ids: number[];
  reference?: string;
}

/**
 * Prompt records (with their reference answers) tokenized for generation; `tools` (an
 * environment's tool schemas) go to the chat template of conversational prompts.
 */
export async function loadPrompts(config: RunConfig, tokenizer: Tokenizer, split: Split = 'train', options: { tools?: readonly unknown[] } = {}): Promise<OnlinePrompt[]> {
  const out: OnlinePrompt[] = [];
  const chatTemplate = checkChatTemplateMode(config.data.chat_template, tokenizer);
  for (const path of datasetFiles(config, 'prompt', split)) {
    const { records } = await loadDataset(path, { format: 'prompt', onError: config.data.on_error });
    for (const r of records) {
      const ex = tokenizePrompt(tokenizer, r, { maxPromptLength: config.data.max_prompt_length, chatTemplate, ...options });
      if (ex.inputIds.length > 0) out.push(withOrigin(r, { ids: ex.inputIds, ...(r.reference === undefined ? {} : { reference: r.reference }) }));
    }
  }
  return out;
}
