/**
 * Where PPO's per-token values come from: a separate value model (its own trunk), or a value
 * head on the policy's own final hidden states (shared trunk: one forward gives both).
 */
import { causalLmCompletionStats, ValueHead, type HfSerializable, type PretrainedCausalLm, type SequenceScoreModel } from '../../models/index.js';
import type { Module } from '../../nn/module.js';
import type { DType, Tensor } from '../../tensor/index.js';
import type { RolloutBatch } from './rollout.js';

/** A policy-side value head that saves as its own small directory (config.json + model.safetensors). */
export class PolicyValueHead extends ValueHead implements HfSerializable {
  constructor(readonly hiddenSize: number, dtype: DType = 'float32') {
    super(hiddenSize, dtype);
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return { architectures: ['ValueHead'], hidden_size: this.hiddenSize, torch_dtype: dtype };
  }
}

/** ppo.value_head: a value model of its own, or a head on the policy's final hidden states. */
export const VALUE_HEADS = ['separate', 'shared'] as const;
export type ValueHeadKind = (typeof VALUE_HEADS)[number];

export type ValueSource =
  | { kind: Extract<ValueHeadKind, 'separate'>; model: SequenceScoreModel }
  | { kind: Extract<ValueHeadKind, 'shared'>; head: PolicyValueHead };

/**
 * Per-token log-probs and entropies (B, C) of the completion tokens under the policy (chunked over
 * tokens: no (B, C, V) log-softmax, models/lm-loss.ts), and the values (B, C) at the same positions.
 */
export function policyStatsAndValues(policy: PretrainedCausalLm, source: ValueSource, b: RolloutBatch): { logps: Tensor; entropy: Tensor; values: Tensor } {
  const C = b.completionIds.size(1);
  const window = (t: Tensor) => t.slice(1, b.promptLength - 1, b.promptLength - 1 + C);
  const input = { inputIds: b.inputIds, attentionMask: b.attentionMask, positionIds: b.positionIds };
  const { logps, entropy, hiddenStates } = causalLmCompletionStats(policy, input, b.completionIds, b.completionMask);
  if (source.kind === 'shared') return { logps, entropy, values: source.head.forward(window(hiddenStates)) };
  const value = source.model.forward(input);
  return { logps, entropy, values: source.model.score.forward(window(value.hiddenStates)).select(-1, 0) };
}

/** The trained module(s) of a value source, for saving beside the policy. */
export function valueCompanions(source: ValueSource): Record<string, Module & HfSerializable> {
  return source.kind === 'separate' ? { value_model: source.model } : { value_head: source.head };
}
