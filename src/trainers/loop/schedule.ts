/** The LR schedule a training config asks for. */
import type { ScheduleConfig } from '../../optim/index.js';
import type { TrainingConfig } from '../../config/index.js';

/** training.lr_scheduler_type: decay after warm-up (transformers' names). */
export const LR_SCHEDULER_TYPES = ['constant', 'linear', 'cosine'] as const;
export type LrSchedulerType = (typeof LR_SCHEDULER_TYPES)[number];

/** Warm-up steps from warmup_steps, else warmup_ratio of the total. */
export function warmupStepsOf(t: TrainingConfig, totalSteps: number): number {
  return t.warmup_steps > 0 ? t.warmup_steps : Math.ceil(t.warmup_ratio * totalSteps);
}

export function scheduleConfig(type: LrSchedulerType, warmupSteps: number, totalSteps: number): ScheduleConfig {
  switch (type) {
    case 'constant':
      return warmupSteps > 0 ? { type: 'constant_with_warmup', warmupSteps } : { type: 'constant' };
    case 'linear':
      return { type: 'linear', warmupSteps, totalSteps: Math.max(totalSteps, warmupSteps) };
    case 'cosine':
      return { type: 'cosine', warmupSteps, totalSteps: Math.max(totalSteps, warmupSteps) };
    default: {
      const never: never = type;
      throw new Error(`unknown lr_scheduler_type ${String(never)}`);
    }
  }
}
