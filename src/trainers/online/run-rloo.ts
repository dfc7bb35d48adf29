/**
 * `training.algorithm: rloo` from a run config.
 *
 * ```ts
 * const result = await runRloo(loadConfig('examples/configs/rloo.yaml'));
 * ```
 */
import { fixedTrainBatchSize, type RunConfig } from '../../config/index.js';
import { generationOf } from '../../generation/index.js';
import { loadCausalLm } from '../../models/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';
import { loadReferencePolicy } from '../loop/reference.js';
import { rlooAlgorithm } from './rloo.js';
import { samplingCorrectionOf } from './sampling-correction.js';
import { episodeSourceOf, loadOnlinePrompts, rolloutScorer, trainOnline } from './setup.js';
import type { OnlineRunOptions, OnlineTrainResult } from './trainer.js';

async function runRlooOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const r = config.rloo;
  const t = config.training;
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const episodes = await episodeSourceOf(run.config, tokenizer);
  const prompts = await loadOnlinePrompts(run.config, tokenizer, episodes);
  if (prompts.length === 0) throw new Error('rloo: no prompts to train on (data.datasets.prompt.train_files)');
  const { model: policy, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  const reference = loadReferencePolicy({ needed: r.beta > 0, modelPath: run.modelDir, dtype: run.dtype, loraApplied: lora !== null });
  const { scorer } = await rolloutScorer(run.config, tokenizer, r.reward_model_path);
  const algorithm = rlooAlgorithm(policy, reference, scorer, {
    numGenerations: r.num_generations,
    microBatchSize: fixedTrainBatchSize(t),
    gradientAccumulationSteps: t.gradient_accumulation_steps,
    beta: r.beta,
    epsilon: r.epsilon,
    epsilonHigh: r.epsilon_high,
    numIterations: r.num_iterations,
    normalizeAdvantages: r.normalize_advantages,
    rewardClipRange: r.reward_clip_range,
    maskTruncatedCompletions: r.mask_truncated_completions,
    samplingCorrection: samplingCorrectionOf(r),
    generation: generationOf(run.config, tokenizer, policy),
    rolloutMaxBatchSize: run.config.generation.max_batch_size,
    episodes,
    seed: t.seed,
  });
  return trainOnline(algorithm, run.config, prompts, lora, options);
}

/** Rloo on training.device (models, batches and optimizer state there). */
export const runRloo = onTrainingDevice(runRlooOnDevice);
