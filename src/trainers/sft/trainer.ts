/**
 * Supervised fine-tuning on the shared loop.
 *
 * ```ts
 * const code = await runSft(loadConfig('examples/configs/sft.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { collateCompletions, loadSftExamples, packExamples, padIdOf, type PackedRow, type TokenizedExample } from '../../data/index.js';
import { causalLmLossSum, loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { type TrainerOptions, type TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import type { Algorithm } from '../loop/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';
import { packedLmAlgorithm } from '../loop/packed-lm.js';

/** The SFT algorithm: collate with completion masks, summed completion-token cross entropy (fused head where the model allows). */
export function sftAlgorithm(model: PretrainedCausalLm, padTokenId: number, labelSmoothing = 0): Algorithm<TokenizedExample> {
  return {
    name: 'sft',
    model,
    loss(examples) {
      const batch = collateCompletions(examples, { padTokenId });
      const input = { inputIds: batch.inputIds, attentionMask: batch.attentionMask };
      return { ...causalLmLossSum(model, input, batch.labels, labelSmoothing), tokens: batch.attentionMask.sum().item() };
    },
    evalMetrics: (evalLoss) => ({ perplexity: Math.exp(evalLoss) }),
  };
}

/**
 * SFT on packed rows (sft.packing): several examples per row with restarting position ids, so
 * attention stays inside each example; the loss is the same summed completion cross entropy.
 */
export function packedSftAlgorithm(model: PretrainedCausalLm, padTokenId: number, labelSmoothing = 0): Algorithm<PackedRow> {
  return packedLmAlgorithm('sft', model, padTokenId, labelSmoothing);
}

export interface RunSftOptions extends Pick<TrainerOptions<TokenizedExample>, 'progress' | 'echo'> {
  resume?: string | null;
}

/** Prepares the run (tokenizer, data, resolved config, seed, model, LoRA) and trains. */
async function runSftOnDevice(config: RunConfig, options: RunSftOptions = {}): Promise<TrainResult> {
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const train = await loadSftExamples(run.config, tokenizer, 'train');
  if (train.length === 0) throw new Error('sft: no training example has a completion token to train on');
  const validation = await loadSftExamples(run.config, tokenizer, 'validation');
  const { model } = run.startModel((dir, load) => loadCausalLm(dir, load));
  const padTokenId = padIdOf(tokenizer);
  if (config.sft.packing) {
    const maxLength = config.data.max_length;
    const packed = { train: packExamples(train, maxLength), validation: packExamples(validation, maxLength) };
    return trainAlgorithm(packedSftAlgorithm(model, padTokenId, config.sft.label_smoothing), run.config, packed, options);
  }
  const algorithm = sftAlgorithm(model, padTokenId, config.sft.label_smoothing);
  return trainAlgorithm(algorithm, run.config, { train, validation }, options);
}

/** Sft on training.device (models, batches and optimizer state there). */
export const runSft = onTrainingDevice(runSftOnDevice);
