/** The contract between the online-RL loop (rollout, then updates) and one algorithm (GRPO, PPO). */
import type { HfSerializable } from '../../models/index.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/index.js';
import type { GenerationConfig } from '../../generation/index.js';
import type { OnlinePrompt } from '../../data/index.js';
import type { RolloutWorld } from './world.js';

export type { OnlinePrompt };

/**
 * Runs a model computation in the run's precision: under bf16 autocast when training.bf16, as
 * is otherwise. Rollouts (sampling, old / reference log-probs, values) and updates both go
 * through it, so the importance ratio of a fresh rollout is exactly 1.
 */
export type InPrecision = <T>(fn: () => T) => T;

/** What one iteration collected: tensors freed by the loop after the iteration's updates. */
export interface RolloutBuffer {
  /** Rollout-level metrics (mean reward, KL, completion length, ...), logged with every update. */
  metrics: Record<string, number>;
}

export interface OnlineAlgorithm<B extends RolloutBuffer> {
  readonly name: string;
  readonly policy: Module & HfSerializable;
  /** Other trained models (PPO's value model), saved as `<dir>/<name>/`. */
  readonly companions?: Readonly<Record<string, Module & HfSerializable>>;
  /** Prompts consumed per iteration. */
  readonly promptsPerIteration: number;
  /** Optimizer steps per iteration (GRPO num_iterations, PPO ppo_epochs x num_mini_batches). */
  readonly updatesPerIteration: number;
  /** Micro-batches per optimizer step (gradient accumulation). */
  readonly microBatchesPerUpdate: number;
  /**
   * Sample, score and prepare one iteration (no grad); model work runs inside `inPrecision`.
   * `prompts` are this rank's; statistics across rows (and logged metrics) span `world`.
   * `epoch` (0-based) is the pass over the prompts this iteration belongs to (online DPO's beta per epoch).
   */
  collect(prompts: readonly OnlinePrompt[], iteration: number, inPrecision: InPrecision, world: RolloutWorld, epoch: number): Promise<B>;
  /**
   * Loss of micro-batch `micro` of update `update`, normalised so the micro-batches of one
   * optimizer step add up to that step's loss. Called within tidy(), in the run's precision.
   */
  loss(buffer: B, update: number, micro: number): { loss: Tensor; metrics: Record<string, number> };
  /** After the iteration's updates (e.g. the adaptive KL controller). */
  afterIteration?(buffer: B): void;
  stateDict?(): Record<string, number>;
  loadStateDict?(state: Record<string, number>): void;
  readonly baseModelName?: string;
  /** The logged metric the progress line and training_stats' final_reward show (default 'reward'). */
  readonly rewardMetric?: string;
}

/** What every online algorithm reads from training: and generation: (startOnlineRun builds it). */
export interface OnlineRunSettings {
  /** Rows per micro-batch (per_device_train_batch_size): completions, or prompts for online DPO. */
  microBatchSize: number;
  /** Micro-batches per optimizer step (gradient_accumulation_steps). */
  gradientAccumulationSteps: number;
  generation: Partial<GenerationConfig> & { maxNewTokens: number; padTokenId: number };
  /** Rows decoded together in a rollout (generation.max_batch_size); null: all of them. */
  rolloutMaxBatchSize?: number | null;
  seed: number;
}
