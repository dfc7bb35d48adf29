/**
 * `training.algorithm: reinforce_pp` (REINFORCE++) from a run config.
 *
 * ```ts
 * const result = await runReinforcePp(loadConfig('examples/configs/reinforce_pp.yaml'));
 * ```
 */
import { fixedTrainBatchSize, type RunConfig } from '../../config/index.js';
import { generationOf } from '../../generation/index.js';
import { loadCausalLm } from '../../models/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';
import { loadReferencePolicy } from '../loop/reference.js';
import { reinforcePpAlgorithm } from './reinforce-pp.js';
import { samplingCorrectionOf } from './sampling-correction.js';
import { episodeSourceOf, loadOnlinePrompts, rolloutScorer, trainOnline } from './setup.js';
import type { OnlineRunOptions, OnlineTrainResult } from './trainer.js';

async function runReinforcePpOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const r = config.reinforce_pp;
  const t = config.training;
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const episodes = await episodeSourceOf(run.config, tokenizer);
  const prompts = await loadOnlinePrompts(run.config, tokenizer, episodes);
  if (prompts.length === 0) throw new Error('reinforce_pp: no prompts to train on (data.datasets.prompt.train_files)');
  const { model: policy, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  const reference = loadReferencePolicy({ needed: r.init_kl_coef > 0, modelPath: run.modelDir, dtype: run.dtype, loraApplied: lora !== null });
  const { scorer } = await rolloutScorer(run.config, tokenizer, r.reward_model_path);
  const algorithm = reinforcePpAlgorithm(policy, reference, scorer, {
    advantageEstimator: r.advantage_estimator,
    nSamplesPerPrompt: r.n_samples_per_prompt,
    microBatchSize: fixedTrainBatchSize(t),
    gradientAccumulationSteps: t.gradient_accumulation_steps,
    initKlCoef: r.init_kl_coef,
    klEstimator: r.kl_estimator,
    gamma: r.gamma,
    epsClip: r.eps_clip,
    maxEpochs: r.max_epochs,
    noAdvantageStdNorm: r.no_advantage_std_norm,
    rewardClipRange: r.reward_clip_range,
    samplingCorrection: samplingCorrectionOf(r),
    generation: generationOf(run.config, tokenizer, policy),
    rolloutMaxBatchSize: run.config.generation.max_batch_size,
    episodes,
    seed: t.seed,
  });
  return trainOnline(algorithm, run.config, prompts, lora, options);
}

/** REINFORCE++ on training.device (models, batches and optimizer state there). */
export const runReinforcePp = onTrainingDevice(runReinforcePpOnDevice);
