/**
 * Supervised fine-tuning on the shared loop.
 *
 * ```ts
 * const code = await runSft(loadConfig('examples/configs/sft.yaml'));
 * ```
 */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/index.js';
import { writeResolvedConfig } from '../../config/index.js';
import { collateCompletions, loadDataset, padIdOf, tokenizeConversation, tokenizeSft, type TokenizedExample } from '../../data/index.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { Tokenizer } from '../../tokenizers/index.js';
import { type TrainerOptions, type TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { datasetFiles, tokenizeOptions } from '../loop/data-files.js';
import type { Algorithm } from '../loop/index.js';
import { sftLossSum } from './loss.js';

/** The SFT algorithm: collate with completion masks, summed completion-token cross entropy. */
export function sftAlgorithm(model: PretrainedCausalLm, padTokenId: number, labelSmoothing = 0): Algorithm<TokenizedExample> {
  return {
    name: 'sft',
    model,
    loss(examples) {
      const batch = collateCompletions(examples, { padTokenId });
      const { logits } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask });
      return sftLossSum(logits, batch.labels, labelSmoothing);
    },
    evalMetrics: (evalLoss) => ({ perplexity: Math.exp(evalLoss) }),
  };
}

/** Reads and tokenizes the sft (prompt/response) and conversation files named by the config. */
export async function loadSftExamples(config: RunConfig, tokenizer: Tokenizer, split: 'train' | 'validation'): Promise<TokenizedExample[]> {
  const opts = tokenizeOptions(config, tokenizer);
  const onError = config.data.on_error;
  const out: TokenizedExample[] = [];
  const sftFiles = datasetFiles(config, 'sft', split);
  for (const path of sftFiles) {
    const { records } = await loadDataset(path, { format: 'sft', onError });
    for (const r of records) out.push(tokenizeSft(tokenizer, r, opts));
  }
  for (const path of datasetFiles(config, 'conversation', split, false)) {
    const { records } = await loadDataset(path, { format: 'conversation', onError });
    for (const r of records) out.push(tokenizeConversation(tokenizer, r, opts));
  }
  return out.filter((e) => e.labels.slice(1).some((l) => l !== -100));
}

export interface RunSftOptions extends Pick<TrainerOptions<TokenizedExample>, 'progress' | 'echo'> {
  resume?: string | null;
}

/** Loads model, tokenizer and data from the config, writes resolved_config.yaml, and trains. */
export async function runSft(config: RunConfig, options: RunSftOptions = {}): Promise<TrainResult> {
  const modelDir = resolve(config.model.name_or_path);
  const tokenizer = Tokenizer.fromPretrained(modelDir);
  const train = await loadSftExamples(config, tokenizer, 'train');
  if (train.length === 0) throw new Error('sft: no training example has a completion token to train on');
  const validation = await loadSftExamples(config, tokenizer, 'validation');
  writeResolvedConfig(config.training.output_dir, config);
  const model = loadCausalLm(modelDir);
  const algorithm = sftAlgorithm(model, padIdOf(tokenizer), config.sft.label_smoothing);
  return trainAlgorithm(algorithm, config, { train, validation }, options);
}
