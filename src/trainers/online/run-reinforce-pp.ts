/**
 * `training.algorithm: reinforce_pp` (REINFORCE++) from a run config.
 *
 * ```ts
 * const result = await runReinforcePp(loadConfig('examples/configs/reinforce_pp.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { reinforcePpAlgorithm } from './reinforce-pp.js';
import { samplingCorrectionOf } from './sampling-correction.js';
import { startOnlineRun, trainOnline } from './setup.js';
import type { OnlineRunOptions, OnlineTrainResult } from './trainer.js';

async function runReinforcePpOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const r = config.reinforce_pp;
  const s = await startOnlineRun(config, { algorithm: 'reinforce_pp', referenceNeeded: r.init_kl_coef > 0, rewardModelPath: r.reward_model_path });
  const algorithm = reinforcePpAlgorithm(s.policy, s.reference, s.scorer, {
    ...s.options,
    advantageEstimator: r.advantage_estimator,
    nSamplesPerPrompt: r.n_samples_per_prompt,
    initKlCoef: r.init_kl_coef,
    klEstimator: r.kl_estimator,
    gamma: r.gamma,
    epsClip: r.eps_clip,
    maxEpochs: r.max_epochs,
    noAdvantageStdNorm: r.no_advantage_std_norm,
    rewardClipRange: r.reward_clip_range,
    samplingCorrection: samplingCorrectionOf(r),
    episodes: s.episodes,
  });
  return trainOnline(algorithm, s.run.config, s.prompts, s.lora, options);
}

/** REINFORCE++ on training.device (models, batches and optimizer state there). */
export const runReinforcePp = onTrainingDevice(runReinforcePpOnDevice);
