/** The SFT examples a run config names: sft (prompt/response) and conversation files, tokenized and masked as SFT trains on them. */
import type { RunConfig } from '../../config/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import { tokenizeConversation, tokenizeSft, type TokenizedExample } from '../collate/index.js';
import { loadDataset } from '../load.js';
import { withOrigin } from '../origin.js';
import { datasetFiles, tokenizeOptions, type Split } from './files.js';

/** With completion_only_loss false every token after the first is a target (prompt included). */
function trainOnAllTokens(e: TokenizedExample): TokenizedExample {
  return withOrigin(e, { ...e, labels: [...e.inputIds], completionMask: e.inputIds.map(() => 1) });
}

/** Reads and tokenizes the sft (prompt/response) and conversation files named by the config. */
export async function loadSftExamples(config: RunConfig, tokenizer: Tokenizer, split: Split): Promise<TokenizedExample[]> {
  const opts = tokenizeOptions(config, tokenizer);
  const onError = config.data.on_error;
  const out: TokenizedExample[] = [];
  const sftFiles = datasetFiles(config, 'sft', split);
  for (const path of sftFiles) {
    const { records } = await loadDataset(path, { format: 'sft', onError });
    for (const r of records) out.push(withOrigin(r, tokenizeSft(tokenizer, r, opts)));
  }
  for (const path of datasetFiles(config, 'conversation', split, false)) {
    const { records } = await loadDataset(path, { format: 'conversation', onError });
    for (const r of records) out.push(withOrigin(r, tokenizeConversation(tokenizer, r, opts)));
  }
  const examples = config.sft.completion_only_loss ? out : out.map(trainOnAllTokens);
  return examples.filter((e) => e.labels.slice(1).some((l) => l !== -100));
}
