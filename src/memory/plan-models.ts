/**
 * Which models a run holds, read as shapes (config.json and safetensors headers, no weights):
 * the trained model; the frozen reference copy DPO, GRPO (beta > 0) and PPO anchor to, unless
 * the LoRA base with adapters disabled serves (trainers/loop/reference.ts); GRPO's, PPO's and
 * online DPO's reward model; PPO's separate value model.
 *
 * ```ts
 * const models = readPlanModels(resolveModelPaths(loadConfig('examples/configs/dpo.yaml')));
 * models.reference?.parameters.total; // the frozen copy's parameters
 * ```
 */
import { resolve } from 'node:path';
import type { RunConfig } from '../config/index.js';
import { referenceNeeded, type PlanModels } from './plan.js';
import { readModelShape } from './shape.js';

/** Model directories of a run whose paths are resolved (resolveModelPaths). */
export function readPlanModels(config: RunConfig): PlanModels {
  const policy = readModelShape(config.model.name_or_path);
  const t = config.training.algorithm;
  const lora = config.lora.enabled;
  let referenceDir: string | null = null;
  if (referenceNeeded(config)) {
    const explicit = t === 'dpo' ? config.dpo.ref_model_path : t === 'online_dpo' ? config.online_dpo.ref_model_path : t === 'gkd' ? config.gkd.teacher_model_name_or_path : t === 'kto' ? config.kto.ref_model_path : null;
    const precomputed = (t === 'dpo' && config.dpo.precompute_ref_log_probs) || (t === 'kto' && config.kto.precompute_ref_log_probs);
    if (!precomputed && (explicit !== null || !lora)) referenceDir = explicit ?? config.model.name_or_path;
  }
  const sectionRewardModel = t === 'grpo' ? config.grpo.reward_model_path : t === 'ppo' ? config.ppo.reward_model_path : t === 'online_dpo' ? config.online_dpo.reward_model_path : undefined;
  const rewardDir = sectionRewardModel === undefined ? null : (sectionRewardModel ?? config.rewards.reward_model_path);
  const valueDir = t === 'ppo' && config.ppo.value_head === 'separate' ? (config.ppo.value_model_path ?? rewardDir ?? config.model.name_or_path) : null;
  const read = (dir: string | null) => (dir === null ? null : readModelShape(resolve(dir)));
  return { policy, reference: read(referenceDir), reward: read(rewardDir), value: read(valueDir) };
}
