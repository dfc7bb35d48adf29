/** The contract between the shared training loop and one algorithm (SFT, DPO, ...). */
import type { Module } from '../../nn/module.js';
import type { HfSerializable } from '../../models/index.js';
import type { Tensor } from '../../tensor/index.js';

/** What one micro-batch's loss reports. */
export interface LossOutput {
  /**
   * The loss SUMMED over this micro-batch's normalisation units (tokens for token-level
   * losses, sequences for sequence-level ones). The loop divides the gradients by the units of
   * the whole accumulated step, so batch 1 x accumulation 8 equals 8 x 1.
   */
  loss: Tensor;
  /** Normalisation units in this micro-batch (e.g. completion tokens). */
  numTokens: number;
  /** Extra scalars, summed like `loss` (divided by the step's units when logged, also in evaluation as eval/<name>). */
  metrics?: Record<string, number>;
  /** Tokens this micro-batch fed through the model (attention-mask ones), for tokens/s. Default numTokens. */
  tokens?: number;
}

/**
 * One training algorithm on the shared loop.
 *
 * ```ts
 * const algo: Algorithm<TokenizedExample> = { name: 'sft', model, loss: (ex) => sftLoss(model, collate(ex)) };
 * ```
 */
export interface Algorithm<E> {
  readonly name: string;
  /** The trained model: its trainable parameters get the optimizer, and it is saved with savePretrained. */
  readonly model: Module & HfSerializable;
  /**
   * Other modules saved beside it as `<dir>/<name>/` and restored on resume (a projection head, a
   * momentum encoder, a queue held as frozen parameters); their trainable parameters train too.
   */
  readonly companions?: Readonly<Record<string, Module & HfSerializable>>;
  /** Forward one micro-batch of examples (collate inside); called within tidy(). */
  loss(examples: readonly E[]): LossOutput;
  /**
   * Turns the step's (or evaluation's) averaged metrics into the logged ones, for metrics that
   * are not plain averages (R² from averaged moments; a count from the step's units, all ranks'). Default: logged as they are.
   */
  summarize?(averaged: Record<string, number>, totals: { units: number }): Record<string, number>;
  /** Extra eval metrics from the validation loss (e.g. perplexity). */
  evalMetrics?(evalLoss: number): Record<string, number>;
  /** Also log the step's gradient norm under this name (e.g. critic/grad_norm). */
  readonly gradNormMetric?: string;
  /** State the algorithm carries between steps (an adaptive temperature, a KL coefficient), saved in checkpoints. */
  stateDict?(): Record<string, number>;
  loadStateDict?(state: Record<string, number>): void;
  /** Name of the starting model, recorded in a LoRA adapter's adapter_config.json. */
  readonly baseModelName?: string;
}

/** Raised when the loss or the gradient norm stops being finite. */
export class TrainingDivergedError extends Error {
  constructor(readonly step: number, what: string, value: number) {
    super(`training diverged at step ${step}: ${what} is ${value} (lower training.learning_rate or set training.max_grad_norm)`);
    this.name = 'TrainingDivergedError';
  }
}
