/**
 * `training.algorithm: rloo` from a run config.
 *
 * ```ts
 * const result = await runRloo(loadConfig('examples/configs/rloo.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { rlooAlgorithm } from './rloo.js';
import { samplingCorrectionOf } from './sampling-correction.js';
import { startOnlineRun, trainOnline } from './setup.js';
import type { OnlineRunOptions, OnlineTrainResult } from './trainer.js';

async function runRlooOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const r = config.rloo;
  const s = await startOnlineRun(config, { algorithm: 'rloo', referenceNeeded: r.beta > 0, rewardModelPath: r.reward_model_path });
  const algorithm = rlooAlgorithm(s.policy, s.reference, s.scorer, {
    ...s.options,
    numGenerations: r.num_generations,
    beta: r.beta,
    epsilon: r.epsilon,
    epsilonHigh: r.epsilon_high,
    numIterations: r.num_iterations,
    normalizeAdvantages: r.normalize_advantages,
    rewardClipRange: r.reward_clip_range,
    maskTruncatedCompletions: r.mask_truncated_completions,
    samplingCorrection: samplingCorrectionOf(r),
    episodes: s.episodes,
  });
  return trainOnline(algorithm, s.run.config, s.prompts, s.lora, options);
}

/** Rloo on training.device (models, batches and optimizer state there). */
export const runRloo = onTrainingDevice(runRlooOnDevice);
