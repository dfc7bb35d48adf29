/**
 * `training.algorithm: grpo` from a run config.
 *
 * ```ts
 * const result = await runGrpo(loadConfig('examples/configs/grpo.yaml'));
 * ```
 */
import { fixedTrainBatchSize, type RunConfig } from '../../config/index.js';
import { generationOf } from '../../generation/index.js';
import { loadCausalLm } from '../../models/index.js';
import type { OnlineRunOptions } from './trainer.js';
import { grpoAlgorithm } from './grpo.js';
import { samplingCorrectionOf } from './sampling-correction.js';
import { loadReferencePolicy } from '../loop/reference.js';
import { episodeSourceOf, loadOnlinePrompts, rolloutScorer, trainOnline } from './setup.js';
import type { OnlineTrainResult } from './trainer.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';

async function runGrpoOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const g = config.grpo;
  const t = config.training;
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const episodes = await episodeSourceOf(run.config, tokenizer);
  const prompts = await loadOnlinePrompts(run.config, tokenizer, episodes);
  if (prompts.length === 0) throw new Error('grpo: no prompts to train on (data.datasets.prompt.train_files)');
  const { model: policy, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  const reference = loadReferencePolicy({ needed: g.beta > 0, modelPath: run.modelDir, dtype: run.dtype, loraApplied: lora !== null });
  const { scorer } = await rolloutScorer(run.config, tokenizer, g.reward_model_path);
  const algorithm = grpoAlgorithm(policy, reference, scorer, {
    numGenerations: g.num_generations ?? g.group_size,
    microBatchSize: fixedTrainBatchSize(t),
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
    samplingCorrection: samplingCorrectionOf(g),
    generation: generationOf(run.config, tokenizer, policy),
    rolloutMaxBatchSize: run.config.generation.max_batch_size,
    episodes,
    seed: t.seed,
  });
  return trainOnline(algorithm, run.config, prompts, lora, options);
}

/** Grpo on training.device (models, batches and optimizer state there). */
export const runGrpo = onTrainingDevice(runGrpoOnDevice);
