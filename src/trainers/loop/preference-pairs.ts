/**
 * What the reference-free preference trainers (ORPO, CPO/SimPO) share: loading the policy and
 * the preference pairs, and TRL's reward metrics, summed over the pairs so the loop's per-pair
 * units turn them into means.
 *
 * ```ts
 * export const runOrpo = onTrainingDevice((config, options) =>
 *   trainOnPreferencePairs(config, 'orpo', (model, padTokenId) => orpoAlgorithm(model, { padTokenId }), options));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { loadRewardExamples, padIdOf, type PreferenceExample } from '../../data/index.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { stack, type Tensor } from '../../tensor/index.js';
import { prepareRun } from './prepare.js';
import { trainAlgorithm, type RunOptions } from './run.js';
import type { TrainResult } from './trainer.js';
import type { Algorithm } from './types.js';

/**
 * Loads the tokenizer, the train and validation preference pairs and the policy (with LoRA
 * adapters when lora.enabled), builds the algorithm and trains. No reference model is loaded.
 */
export async function trainOnPreferencePairs(
  config: RunConfig,
  name: string,
  build: (model: PretrainedCausalLm, padTokenId: number) => Algorithm<PreferenceExample>,
  options: RunOptions<PreferenceExample> = {},
): Promise<TrainResult> {
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const train = await loadRewardExamples(run.config, tokenizer, 'train');
  if (train.length === 0) throw new Error(`${name}: no preference pairs to train on`);
  const validation = await loadRewardExamples(run.config, tokenizer, 'validation');
  const { model } = run.startModel((dir, load) => loadCausalLm(dir, load));
  return trainAlgorithm(build(model, padIdOf(tokenizer)), run.config, { train, validation }, options);
}

/** The (B,) tensors TRL's ORPO and CPO trainers log from. */
export interface PairMetricInputs {
  /** β·reward of each answer, detached. */
  chosenRewards: Tensor;
  rejectedRewards: Tensor;
  /** The log-probs the loss used (mean per token where the loss normalises by length). */
  chosenLogps: Tensor;
  rejectedLogps: Tensor;
}

/**
 * Sums over the B pairs of rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins,
 * logps/chosen, logps/rejected and of each `extra` (B,) tensor, read back in one host sync.
 * TRL's logits/chosen and logits/rejected are not logged: the fused head never makes the logits.
 */
export function pairMetricSums(x: PairMetricInputs, extra: Record<string, Tensor> = {}): Record<string, number> {
  const c = x.chosenRewards;
  const r = x.rejectedRewards;
  const columns: Record<string, Tensor> = {
    'rewards/chosen': c,
    'rewards/rejected': r,
    'rewards/accuracies': c.gt(r).to(c.dtype),
    'rewards/margins': c.sub(r),
    'logps/chosen': x.chosenLogps.detach(),
    'logps/rejected': x.rejectedLogps.detach(),
    ...extra,
  };
  const names = Object.keys(columns);
  const sums = stack(names.map((n) => (columns[n] as Tensor).detach().to('float64').sum())).toArray() as number[];
  return Object.fromEntries(names.map((n, i) => [n, sums[i] as number]));
}
