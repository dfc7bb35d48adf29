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
import { collateCompletions, collatePacked, loadDataset, packExamples, padIdOf, tokenizeConversation, tokenizeSft, type PackedRow, type TokenizedExample } from '../../data/index.js';
import { applyLoraFromConfig } from '../loop/index.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { Tokenizer } from '../../tokenizers/index.js';
import { type TrainerOptions, type TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { datasetFiles, tokenizeOptions } from '../loop/data-files.js';
import type { Algorithm } from '../loop/index.js';
import { sftLossSum } from './loss.js';
import { onTrainingDevice } from '../loop/device.js';

/** The SFT algorithm: collate with completion masks, summed completion-token cross entropy. */
export function sftAlgorithm(model: PretrainedCausalLm, padTokenId: number, labelSmoothing = 0): Algorithm<TokenizedExample> {
  return {
    name: 'sft',
    model,
    loss(examples) {
      const batch = collateCompletions(examples, { padTokenId });
      const { logits } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask });
      return { ...sftLossSum(logits, batch.labels, labelSmoothing), tokens: batch.attentionMask.sum().item() };
    },
    evalMetrics: (evalLoss) => ({ perplexity: Math.exp(evalLoss) }),
  };
}

/**
 * SFT on packed rows (sft.packing): several examples per row with restarting position ids, so
 * attention stays inside each example; the loss is the same summed completion cross entropy.
 */
export function packedSftAlgorithm(model: PretrainedCausalLm, padTokenId: number, labelSmoothing = 0): Algorithm<PackedRow> {
  return {
    name: 'sft',
    model,
    loss(rows) {
      const batch = collatePacked(rows, { padTokenId });
      const { logits } = model.forward({ inputIds: batch.inputIds, positionIds: batch.positionIds });
      return { ...sftLossSum(logits, batch.labels, labelSmoothing), tokens: rows.reduce((n, r) => n + r.inputIds.length, 0) };
    },
    evalMetrics: (evalLoss) => ({ perplexity: Math.exp(evalLoss) }),
  };
}

/** With completion_only_loss false every token after the first is a target (prompt included). */
function trainOnAllTokens(e: TokenizedExample): TokenizedExample {
  return { ...e, labels: [...e.inputIds], completionMask: e.inputIds.map(() => 1) };
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
  const examples = config.sft.completion_only_loss ? out : out.map(trainOnAllTokens);
  return examples.filter((e) => e.labels.slice(1).some((l) => l !== -100));
}

export interface RunSftOptions extends Pick<TrainerOptions<TokenizedExample>, 'progress' | 'echo'> {
  resume?: string | null;
}

/** Loads model, tokenizer and data from the config, writes resolved_config.yaml, and trains. */
async function runSftOnDevice(config: RunConfig, options: RunSftOptions = {}): Promise<TrainResult> {
  const modelDir = resolve(config.model.name_or_path);
  const tokenizer = Tokenizer.fromPretrained(modelDir);
  const train = await loadSftExamples(config, tokenizer, 'train');
  if (train.length === 0) throw new Error('sft: no training example has a completion token to train on');
  const validation = await loadSftExamples(config, tokenizer, 'validation');
  writeResolvedConfig(config.training.output_dir, config);
  const model = loadCausalLm(modelDir, { fromScratch: config.model.init === 'from_scratch', seed: config.training.seed });
  applyLoraFromConfig(model, config.lora);
  const padTokenId = padIdOf(tokenizer);
  if (config.sft.packing) {
    const maxLength = config.data.max_length;
    const packed = { train: packExamples(train, maxLength), validation: packExamples(validation, maxLength) };
    return trainAlgorithm(packedSftAlgorithm(model, padTokenId, config.sft.label_smoothing), config, packed, options);
  }
  const algorithm = sftAlgorithm(model, padTokenId, config.sft.label_smoothing);
  return trainAlgorithm(algorithm, config, { train, validation }, options);
}

/** Sft on training.device (models, batches and optimizer state there). */
export const runSft = onTrainingDevice(runSftOnDevice);
