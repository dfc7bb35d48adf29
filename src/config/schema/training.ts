/** `training:` — the algorithm and the optimisation loop shared by every trainer. */
import { z } from 'zod';
import { LR_SCHEDULER_TYPES } from '../../trainers/loop/schedule.js';

/** Every trainer the run can start; `training.algorithm` picks one. */
export const ALGORITHMS = ['sft', 'reward', 'ppo', 'dpo', 'orpo', 'cpo', 'kto', 'gkd', 'grpo', 'online_dpo', 'rloo', 'reinforce_pp', 'prm', 'critic', 'pretrain', 'mlm', 'contrastive'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
/** The algorithms on the online (rollout, then update) loop. */
export const ONLINE_ALGORITHMS: readonly Algorithm[] = ['ppo', 'grpo', 'online_dpo', 'rloo', 'reinforce_pp'];
const ONLINE_NAMES = ONLINE_ALGORITHMS.join('/');
/** The algorithms that may start from fresh weights (model.init: from_scratch). */
export const FROM_SCRATCH_ALGORITHMS: readonly Algorithm[] = ['sft', 'pretrain', 'mlm'];
/** The algorithms lora.enabled works with (the others train a score or value head in full). */
export const LORA_ALGORITHMS: readonly Algorithm[] = ['sft', 'dpo', 'orpo', 'cpo', 'kto', 'gkd', 'grpo', 'ppo', 'online_dpo', 'rloo', 'reinforce_pp'];

/** A batch size key: a number, or 'auto' (found by a memory probe before training; see trainers/loop/auto-batch-size.ts). */
export const BatchSize = z.union([z.number().int().positive(), z.literal('auto')]);

export const TrainingConfig = z
  .strictObject({
    algorithm: z.enum(ALGORITHMS).default('sft').describe('Which trainer runs; its section (sft:, dpo:, ...) holds its own options.'),
    output_dir: z.string().min(1).default('outputs/run').describe('Checkpoints, logs and resolved_config.yaml are written here.'),
    num_epochs: z.number().int().positive().default(1).describe('Passes over the training data (ignored once max_steps is reached).'),
    max_steps: z.number().int().min(-1).default(-1).describe('Stop after this many optimizer steps; -1 = run num_epochs.'),
    learning_rate: z.number().positive().default(1e-5).describe('Peak learning rate (after warm-up).'),
    lr_scheduler_type: z
      .enum(LR_SCHEDULER_TYPES)
      .default('linear')
      .describe('Decay after warm-up: constant, linear to 0, or cosine to 0.'),
    per_device_train_batch_size: BatchSize.default(8).describe(
      'Examples per forward pass on one device, or auto: before training, probe the longest examples at auto_batch_size_start and halve on out-of-memory ' +
        '(cap: max_memory, else 75% of the available memory); gradient_accumulation_steps grows so the effective batch stays. Not for the online algorithms; see docs/memory.md.',
    ),
    per_device_eval_batch_size: BatchSize.default(8).describe(
      'Examples per forward pass during evaluation, or auto: the largest of auto_batch_size_start, its halves, ..., 1 whose forward on the longest validation ' +
        'examples fits (passes outside the training loop, such as rlhf eval, use auto_batch_size_start).',
    ),
    auto_batch_size_start: z
      .number()
      .int()
      .positive()
      .default(8)
      .describe('Where the auto batch size probe starts (it halves on out-of-memory); with per_device_train_batch_size auto the effective batch is this x gradient_accumulation_steps.'),
    gradient_accumulation_steps: z
      .number()
      .int()
      .positive()
      .default(1)
      .describe('Forward/backward passes summed per optimizer step (effective batch = batch size x this x world size).'),
    gradient_checkpointing: z
      .boolean()
      .default(false)
      .describe("Recompute each decoder layer's activations during backward instead of keeping them: less memory, one more forward of the layers per step."),
    max_grad_norm: z.number().min(0).default(1.0).describe('Clip the global gradient norm to this; 0 disables clipping.'),
    warmup_steps: z.number().int().min(0).default(0).describe('Linear warm-up steps from 0 to learning_rate (set this or warmup_ratio).'),
    warmup_ratio: z.number().min(0).lt(1).default(0).describe('Warm-up as a fraction of the total steps (set this or warmup_steps).'),
    weight_decay: z.number().min(0).default(0).describe('AdamW decoupled weight decay.'),
    logging_steps: z.number().int().positive().default(10).describe('Log metrics every N optimizer steps.'),
    save_steps: z.number().int().positive().default(500).describe('Save a checkpoint every N optimizer steps.'),
    eval_steps: z.number().int().positive().default(500).describe('Evaluate every N optimizer steps (when validation data is given).'),
    seed: z.number().int().min(0).default(42).describe('Seed for data order, initialisation and sampling.'),
    max_memory: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)$/, 'a size such as 8GiB, 512MiB or 2.5GB')
      .nullable()
      .default(null)
      .describe('Cap on the CPU tensor memory of a step (e.g. 8GiB): a step that needs more stops with advice and writes memory_optimized_config.yaml; null: no cap.'),
    resume_from_checkpoint: z
      .string()
      .nullable()
      .default(null)
      .describe('Checkpoint directory to resume from (weights, optimizer, RNG, step); null = start fresh.'),
    save_total_limit: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Keep only the newest N checkpoints (the best one is always kept on top); 0 keeps all.'),
    metric_for_best_model: z
      .string()
      .min(1)
      .default('eval/loss')
      .describe('Logged eval metric that ranks checkpoints and drives early stopping (e.g. eval/loss, eval/accuracy).'),
    greater_is_better: z
      .boolean()
      .nullable()
      .default(null)
      .describe('Whether a higher metric_for_best_model is better; null = false for names ending in "loss", true otherwise.'),
    early_stopping_patience: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Stop after this many evaluations without improving metric_for_best_model; 0 = never stop early.'),
    early_stopping_threshold: z
      .number()
      .min(0)
      .default(0)
      .describe('An evaluation improves only if it beats the best by more than this.'),
    device: z
      .string()
      .regex(/^(auto|cpu|cuda(:\d+)?)$/, "use 'auto', 'cpu', 'cuda' or 'cuda:N'")
      .default('auto')
      .describe("Where models and batches live: 'auto' (the first CUDA device when this libtorch sees one, else cpu), 'cpu', 'cuda' or 'cuda:N'."),
    bf16: z.boolean().default(false).describe('Run forward passes under bfloat16 autocast (CPU or CUDA; for the online algorithms the rollout too); weights and optimizer stay float32.'),
    fp16: z
      .boolean()
      .default(false)
      .describe('Run forward passes under float16 autocast with dynamic loss scaling (as torch.cuda.amp); CUDA only, on the CPU use bf16; not for the online algorithms.'),
  })
  .refine((t) => !(t.bf16 && t.fp16), { message: 'bf16 and fp16 are both true; pick one mixed-precision mode', path: ['fp16'] })
  .refine((t) => !(t.fp16 && ONLINE_ALGORITHMS.includes(t.algorithm)), { message: `training.fp16 is not supported by ${ONLINE_NAMES} (the online loop does no loss scaling); use training.bf16`, path: ['fp16'] })
  .refine((t) => !(t.per_device_train_batch_size === 'auto' && ONLINE_ALGORITHMS.includes(t.algorithm)), {
    message: `training.per_device_train_batch_size auto is not supported by ${ONLINE_NAMES} (their micro-batches are rollout completions, which the probe cannot know before generating); give a number`,
    path: ['per_device_train_batch_size'],
  })
  .refine((t) => !(t.per_device_eval_batch_size === 'auto' && ONLINE_ALGORITHMS.includes(t.algorithm)), {
    message: `training.per_device_eval_batch_size auto is not supported by ${ONLINE_NAMES}; give a number`,
    path: ['per_device_eval_batch_size'],
  })
  .describe('The optimisation loop every algorithm shares.');

export type TrainingConfig = z.infer<typeof TrainingConfig>;

/** TrainingConfig with both batch sizes numbers: what the training loop runs with once 'auto' is resolved. */
export type ResolvedTrainingConfig = Omit<TrainingConfig, 'per_device_train_batch_size' | 'per_device_eval_batch_size'> & {
  per_device_train_batch_size: number;
  per_device_eval_batch_size: number;
};

/**
 * per_device_train_batch_size where 'auto' cannot reach (grpo/ppo refuse it in the schema).
 * @example fixedTrainBatchSize(config.training) // 8
 */
export function fixedTrainBatchSize(t: Pick<TrainingConfig, 'per_device_train_batch_size' | 'algorithm'>): number {
  const b = t.per_device_train_batch_size;
  if (b === 'auto') throw new Error(`training.per_device_train_batch_size is auto, which ${t.algorithm} cannot resolve; give a number`);
  return b;
}

/**
 * A batch size key as a number where nothing probes (dpo's reference precompute, critic's student
 * generation, rlhf eval, memory estimates): auto_batch_size_start, the most the probe tries, when 'auto'.
 * @example startingBatchSize(config.training, 'per_device_eval_batch_size') // 8 for auto with the default start
 */
export function startingBatchSize(
  t: Pick<TrainingConfig, 'per_device_train_batch_size' | 'per_device_eval_batch_size' | 'auto_batch_size_start'>,
  key: 'per_device_train_batch_size' | 'per_device_eval_batch_size',
): number {
  const b = t[key];
  return b === 'auto' ? t.auto_batch_size_start : b;
}
