/**
 * `training.algorithm: online_dpo` from a run config: policy, frozen reference (online_dpo.ref_model_path,
 * else the starting model, or the LoRA base with adapters disabled), reward model and/or functions.
 *
 * ```ts
 * const result = await runOnlineDpo(loadConfig('examples/configs/online_dpo.yaml'));
 * ```
 */
import { fixedTrainBatchSize, type RunConfig } from '../../config/index.js';
import { generationOf } from '../../generation/index.js';
import { loadPrompts } from '../../data/index.js';
import { loadCausalLm } from '../../models/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';
import { loadReferencePolicy } from '../loop/reference.js';
import { onlineDpoAlgorithm } from './online-dpo.js';
import { rolloutScorer, trainOnline } from './setup.js';
import type { OnlineRunOptions, OnlineTrainResult } from './trainer.js';

async function runOnlineDpoOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const o = config.online_dpo;
  const t = config.training;
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const prompts = await loadPrompts(run.config, tokenizer);
  if (prompts.length === 0) throw new Error('online_dpo: no prompts to train on (data.datasets.prompt.train_files)');
  const { model: policy, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  const reference = loadReferencePolicy({ needed: true, modelPath: run.modelDir, refModelPath: o.ref_model_path, dtype: run.dtype, loraApplied: lora !== null });
  const { scorer } = await rolloutScorer(run.config, tokenizer, o.reward_model_path);
  const algorithm = onlineDpoAlgorithm(policy, reference, scorer, {
    microBatchSize: fixedTrainBatchSize(t),
    gradientAccumulationSteps: t.gradient_accumulation_steps,
    beta: o.beta,
    lossType: o.loss_type,
    missingEosPenalty: o.missing_eos_penalty,
    maxLength: run.config.data.max_length,
    generation: generationOf(run.config, tokenizer, policy),
    rolloutMaxBatchSize: run.config.generation.max_batch_size,
    seed: t.seed,
  });
  return trainOnline(algorithm, run.config, prompts, lora, options);
}

/** Online DPO on training.device (models, batches and optimizer state there). */
export const runOnlineDpo = onTrainingDevice(runOnlineDpoOnDevice);
