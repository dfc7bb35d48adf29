/**
 * `training.algorithm: ppo` from a run config: policy, frozen reference (or the LoRA base), value
 * model (ppo.value_model_path, else the reward model, else the policy's start with a fresh head),
 * reward model and/or reward functions.
 *
 * ```ts
 * const result = await runPpo(loadConfig('examples/configs/ppo.yaml'));
 * ```
 */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/index.js';
import { SequenceScoreModel } from '../../models/index.js';
import type { OnlineRunOptions } from './trainer.js';
import { ppoAlgorithm } from './ppo.js';
import { samplingCorrectionOf } from './sampling-correction.js';
import { PolicyValueHead, type ValueSource } from './value.js';
import { startOnlineRun, trainOnline } from './setup.js';
import type { OnlineTrainResult } from './trainer.js';
import { onTrainingDevice } from '../loop/device.js';

async function runPpoOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const p = config.ppo;
  const s = await startOnlineRun(config, { algorithm: 'ppo', referenceNeeded: true, rewardModelPath: p.reward_model_path });
  const values: ValueSource = p.value_head === 'shared'
    ? { kind: 'shared', head: new PolicyValueHead('hiddenSize' in s.policy.config ? s.policy.config.hiddenSize : s.policy.config.nEmbd) }
    : { kind: 'separate', model: SequenceScoreModel.fromPretrained(resolve(p.value_model_path ?? s.rewardModelPath ?? s.run.modelDir), { dtype: s.run.dtype }).train() };
  const algorithm = ppoAlgorithm(s.policy, values, s.reference, s.scorer, {
    ...s.options,
    numMiniBatches: p.num_mini_batches,
    ppoEpochs: p.ppo_epochs,
    clipRange: p.clip_range,
    clipRangeValue: p.clip_range_value,
    valueLossCoef: p.value_loss_coef,
    entropyCoef: p.entropy_coef,
    klCoef: p.kl_coef,
    klEstimator: p.kl_estimator,
    klPenalty: p.kl_penalty,
    adaptiveKl: p.adaptive_kl ? { target: p.target_kl, horizon: p.kl_horizon } : null,
    gamma: p.gamma,
    lam: p.gae_lambda,
    whitenAdvantages: p.whiten_advantages,
    whitenRewards: p.whiten_rewards,
    rewardClip: p.reward_clip,
    missingEosPenalty: p.missing_eos_penalty,
    samplingCorrection: samplingCorrectionOf(p),
    episodes: s.episodes,
  });
  return trainOnline(algorithm, s.run.config, s.prompts, s.lora, options);
}

/** Ppo on training.device (models, batches and optimizer state there). */
export const runPpo = onTrainingDevice(runPpoOnDevice);
