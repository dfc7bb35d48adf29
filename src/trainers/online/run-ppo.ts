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
import { fixedTrainBatchSize, type RunConfig } from '../../config/index.js';
import { generationOf } from '../../generation/index.js';
import { loadCausalLm, SequenceScoreModel } from '../../models/index.js';
import type { OnlineRunOptions } from './trainer.js';
import { ppoAlgorithm } from './ppo.js';
import { samplingCorrectionOf } from './sampling-correction.js';
import { PolicyValueHead, type ValueSource } from './value.js';
import { loadReferencePolicy } from '../loop/reference.js';
import { episodeSourceOf, loadOnlinePrompts, rolloutScorer, trainOnline } from './setup.js';
import type { OnlineTrainResult } from './trainer.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';

async function runPpoOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const p = config.ppo;
  const t = config.training;
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const episodes = await episodeSourceOf(run.config, tokenizer);
  const prompts = await loadOnlinePrompts(run.config, tokenizer, episodes);
  if (prompts.length === 0) throw new Error('ppo: no prompts to train on (data.datasets.prompt.train_files)');
  const { model: policy, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  const reference = loadReferencePolicy({ needed: true, modelPath: run.modelDir, dtype: run.dtype, loraApplied: lora !== null });
  const { scorer, rewardModelPath } = await rolloutScorer(run.config, tokenizer, p.reward_model_path);
  const values: ValueSource = p.value_head === 'shared'
    ? { kind: 'shared', head: new PolicyValueHead('hiddenSize' in policy.config ? policy.config.hiddenSize : policy.config.nEmbd) }
    : { kind: 'separate', model: SequenceScoreModel.fromPretrained(resolve(p.value_model_path ?? rewardModelPath ?? run.modelDir), { dtype: run.dtype }).train() };
  const algorithm = ppoAlgorithm(policy, values, reference, scorer, {
    microBatchSize: fixedTrainBatchSize(t),
    gradientAccumulationSteps: t.gradient_accumulation_steps,
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
    generation: generationOf(run.config, tokenizer, policy),
    rolloutMaxBatchSize: run.config.generation.max_batch_size,
    episodes,
    seed: t.seed,
  });
  return trainOnline(algorithm, run.config, prompts, lora, options);
}

/** Ppo on training.device (models, batches and optimizer state there). */
export const runPpo = onTrainingDevice(runPpoOnDevice);
