/** Which metric groups `rlhf eval` runs for a config (the policy; the schema declares the choices). */
import { DEFAULT_TASKS, MODEL_ROLE, type EvalTask, type EvaluationConfig } from './schema/evaluation.js';
import type { Algorithm } from './schema/training.js';

/** The tasks a config runs: evaluation.tasks, or the algorithm's defaults (plus reward when a reward model is set). */
export function evalTasksOf(config: { training: { algorithm: Algorithm }; evaluation: EvaluationConfig }): EvalTask[] {
  const e = config.evaluation;
  if (e.tasks !== null) return [...new Set(e.tasks)];
  const defaults = [...DEFAULT_TASKS[config.training.algorithm]];
  if (e.reward_model_path !== null && MODEL_ROLE[config.training.algorithm] === 'policy') defaults.push('reward');
  return defaults;
}
