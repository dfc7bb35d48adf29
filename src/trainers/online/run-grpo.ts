/**
 * `training.algorithm: grpo` from a run config.
 *
 * ```ts
 * const result = await runGrpo(loadConfig('examples/configs/grpo.yaml'));
 * ```
 */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/index.js';
import { writeResolvedConfig } from '../../config/index.js';
import { loadCausalLm } from '../../models/index.js';
import { manualSeed } from '../../tensor/index.js';
import { applyLoraFromConfig } from '../loop/lora-config.js';
import type { OnlineRunOptions } from './trainer.js';
import { grpoAlgorithm } from './grpo.js';
import { generationOf, loadPrompts, referencePolicy, rolloutScorer, tokenizerOf, trainOnline } from './setup.js';
import type { OnlineTrainResult } from './trainer.js';
import { onTrainingDevice } from '../loop/device.js';

async function runGrpoOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const g = config.grpo;
  const t = config.training;
  const tokenizer = tokenizerOf(config);
  const prompts = await loadPrompts(config, tokenizer);
  if (prompts.length === 0) throw new Error('grpo: no prompts to train on (data.datasets.prompt.train_files)');
  writeResolvedConfig(t.output_dir, config);
  manualSeed(t.seed);
  const policy = loadCausalLm(resolve(config.model.name_or_path));
  const lora = applyLoraFromConfig(policy, config.lora);
  const reference = referencePolicy(config, g.beta > 0, lora !== null);
  const { scorer } = await rolloutScorer(config, tokenizer, g.reward_model_path);
  const algorithm = grpoAlgorithm(policy, reference, scorer, {
    numGenerations: g.num_generations ?? g.group_size,
    microBatchSize: t.per_device_train_batch_size,
    gradientAccumulationSteps: t.gradient_accumulation_steps,
    beta: g.beta,
    epsilon: g.clip_range,
    epsilonHigh: g.epsilon_high,
    lossType: g.loss_type,
    advantageType: g.advantage_type,
    scaleRewards: g.scale_rewards,
    importanceSamplingLevel: g.importance_sampling_level,
    numIterations: g.num_iterations,
    maskTruncatedCompletions: g.mask_truncated_completions,
    generation: generationOf(config, tokenizer, policy),
    seed: t.seed,
  });
  return trainOnline(algorithm, config, prompts, lora, options);
}

/** Grpo on training.device (models, batches and optimizer state there). */
export const runGrpo = onTrainingDevice(runGrpoOnDevice);
