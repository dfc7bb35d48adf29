/**
 * What one parameter costs in training, by the dtype the weights are trained in: its weight,
 * its gradient and AdamW's two moments (optim/adam.ts makes them like the parameter), and the
 * largest model whose parameters fit a memory budget that way, fully trained or with LoRA
 * adapters on a frozen base. The planner (plan.ts) and `rlhf env` both use these costs.
 *
 * ```ts
 * parameterCosts('float32'); // { weight: 4, gradient: 4, optimizer: 8, total: 16 }
 * trainableModelSize(24 * 2 ** 30, 'full', 'bfloat16'); // parameters that fit in 24 GiB
 * ```
 */
import type { ModelDtype } from '../config/index.js';
import { BYTES_PER_ELEMENT } from '../tensor/dtype.js';

export interface ParameterCosts {
  weight: number;
  gradient: number;
  /** AdamW's exp_avg and exp_avg_sq, in the parameter's dtype. */
  optimizer: number;
  /** A trained parameter: weight + gradient + optimizer. */
  total: number;
}

/** Bytes per parameter trained in `dtype` with AdamW. */
export function parameterCosts(dtype: ModelDtype): ParameterCosts {
  const b = BYTES_PER_ELEMENT[dtype];
  return { weight: b, gradient: b, optimizer: 2 * b, total: 4 * b };
}

export type TuningMode = 'full' | 'lora';

/**
 * LoRA adapters as a share of the base's parameters, the planner's bound for sizing: r 8 on every
 * linear is 0.9% of Qwen2.5-0.5B (4.4M adapters on 494M) and 0.3% of a 7B.
 */
export const LORA_ADAPTER_SHARE = 0.01;

/**
 * Share of a budget left for the parameters' weights, gradients and optimizer state; the rest
 * is for activations (a micro-batch of a few thousand tokens with gradient checkpointing), the
 * process and the OS.
 */
export const PARAMETER_SHARE = 0.75;

/**
 * Bytes per parameter of the whole model: a trained parameter (full), or a frozen weight plus
 * its share of trained adapters (LoRA).
 * @example bytesPerParameter('full', 'float32') // 16
 */
export function bytesPerParameter(mode: TuningMode, dtype: ModelDtype): number {
  const c = parameterCosts(dtype);
  return mode === 'full' ? c.total : c.weight + LORA_ADAPTER_SHARE * c.total;
}

/**
 * The most parameters a model may have to train in `budgetBytes` (PARAMETER_SHARE of it).
 * @example trainableModelSize(16 * 2 ** 30, 'full', 'float32') // 805306368: 0.8B
 */
export function trainableModelSize(budgetBytes: number, mode: TuningMode, dtype: ModelDtype): number {
  return Math.floor((budgetBytes * PARAMETER_SHARE) / bytesPerParameter(mode, dtype));
}

/**
 * A parameter count as people say it: 494M, 7.6B.
 * @example modelSizeName(494032768) // '494M'
 */
export function modelSizeName(parameters: number): string {
  if (parameters >= 1e9) return `${(parameters / 1e9).toFixed(parameters >= 1e10 ? 0 : 1)}B`;
  if (parameters >= 1e6) return `${Math.round(parameters / 1e6)}M`;
  return `${Math.round(parameters / 1e3)}K`;
}
