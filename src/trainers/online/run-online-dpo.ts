/**
 * `training.algorithm: online_dpo` from a run config: policy, frozen reference (online_dpo.ref_model_path,
 * else the starting model, or the LoRA base with adapters disabled), reward model and/or functions.
 *
 * ```ts
 * const result = await runOnlineDpo(loadConfig('examples/configs/online_dpo.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { onlineDpoAlgorithm } from './online-dpo.js';
import { startOnlineRun, trainOnline } from './setup.js';
import type { OnlineRunOptions, OnlineTrainResult } from './trainer.js';

async function runOnlineDpoOnDevice(config: RunConfig, options: OnlineRunOptions = {}): Promise<OnlineTrainResult> {
  const o = config.online_dpo;
  const s = await startOnlineRun(config, { algorithm: 'online_dpo', referenceNeeded: true, refModelPath: o.ref_model_path, rewardModelPath: o.reward_model_path });
  const algorithm = onlineDpoAlgorithm(s.policy, s.reference, s.scorer, {
    ...s.options,
    beta: o.beta,
    lossType: o.loss_type,
    missingEosPenalty: o.missing_eos_penalty,
    maxLength: s.run.config.data.max_length,
  });
  return trainOnline(algorithm, s.run.config, s.prompts, s.lora, options);
}

/** Online DPO on training.device (models, batches and optimizer state there). */
export const runOnlineDpo = onTrainingDevice(runOnlineDpoOnDevice);
