/**
 * `training.algorithm: grpo` from a run config.
 *
 * ```ts
 * const result = await runGrpo(loadConfig('examples/configs/grpo.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import type { OnlineRunOptions } from './trainer.js';
import { grpoAlgorithm } from './grpo.js';
import { samplingCorrectionOf } from './sampling-correction.js';
import { startOnlineRun, trainOnline } from './setup.js';
import type { OnlineTrainResult } from './trainer.js';
import { onTrainingDevice } from '../loop/device.js';

async function runGrpoOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const g = config.grpo;
  const s = await startOnlineRun(config, { algorithm: 'grpo', referenceNeeded: g.beta > 0, rewardModelPath: g.reward_model_path });
  const algorithm = grpoAlgorithm(s.policy, s.reference, s.scorer, {
    ...s.options,
    numGenerations: g.num_generations ?? g.group_size,
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
    episodes: s.episodes,
  });
  return trainOnline(algorithm, s.run.config, s.prompts, s.lora, options);
}

/** Grpo on training.device (models, batches and optimizer state there). */
export const runGrpo = onTrainingDevice(runGrpoOnDevice);
