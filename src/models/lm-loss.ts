/**
 * A causal LM's training losses and log-probs taken straight from its final hidden states
 * through the fused, chunked head (nn/linear-cross-entropy.ts) where the model allows it
 * (`fusedLmLoss`, a plain (vocab, H) head, no LoRA on the head); otherwise through the
 * logits, as before. Both paths give the same values and gradients (test/models/lm-loss.test.ts).
 *
 * ```ts
 * const { loss, numTokens } = causalLmLossSum(model, { inputIds, attentionMask }, labels);   // SFT
 * const { logps } = causalLmSequenceLogprobs(model, { inputIds, attentionMask }, completionMask); // DPO
 * ```
 */
import { linearCrossEntropy } from '../nn/linear-cross-entropy.js';
import { linearTokenStats, logitsTokenStats } from '../nn/token-stats.js';
import { selectiveLogSoftmax, sequenceLogprobs, sftLossSum, type SequenceLogprobs } from '../rl/index.js';
import { tidy, zeros, type Device, type Tensor } from '../tensor/index.js';
import type { CausalLm, CausalLmInput, FusableHeadLm } from './types.js';

/** The model's fused-head hooks and head weight, or null where the logits path must run. */
function fusedHead(model: CausalLm): { lm: FusableHeadLm; weight: Tensor } | null {
  const lm = model as Partial<FusableHeadLm>;
  if (lm.fusedLmLoss !== true || typeof lm.forwardHidden !== 'function' || typeof lm.outputWeight !== 'function') return null;
  const weight = lm.outputWeight();
  return weight === null ? null : { lm: lm as FusableHeadLm, weight };
}

/** Rows of hidden (B, L, H) and targets (B, L) where `keep` (B, L) is true, flattened: (n, H), (n), and their flat indices. */
function keptRows(hidden: Tensor, targets: Tensor, keep: Tensor): { h: Tensor; t: Tensor; rows: Tensor } {
  const H = hidden.size(-1);
  const rows = keep.reshape(-1).nonzero().squeeze(-1); // (n)
  return { h: hidden.reshape(-1, H).indexSelect(0, rows), t: targets.reshape(-1).indexSelect(0, rows), rows };
}

/**
 * SFT's summed next-token cross entropy (rl/sft.ts's sftLossSum: position t predicts labels[t+1],
 * -100 ignored, float32) of one forward of `input`, and the tokens counted. The fused path runs
 * the head only on the counted tokens.
 */
export function causalLmLossSum(model: CausalLm, input: CausalLmInput, labels: Tensor, labelSmoothing = 0): { loss: Tensor; numTokens: number } {
  const fused = fusedHead(model);
  if (fused === null) return sftLossSum(model.forward(input).logits, labels, labelSmoothing);
  const hidden = fused.lm.forwardHidden(input); // (B, T, H)
  const [B, T] = hidden.shape as [number, number, number];
  if (labels.shape[0] !== B || labels.shape[1] !== T) throw new RangeError(`causalLmLossSum: labels must be [${B}, ${T}], got [${labels.shape.join(', ')}]`);
  const shiftLabels = labels.slice(1, 1); // (B, T-1)
  const keep = shiftLabels.ne(-100);
  const numTokens = keep.sum().item();
  const { h, t } = keptRows(hidden.slice(1, 0, T - 1), shiftLabels, keep);
  return { loss: linearCrossEntropy(h, fused.weight, t, { reduction: 'sum', labelSmoothing }), numTokens };
}

/**
 * log p(targets[b, t]) from hidden states (B, L, H) at the positions where `mask` (B, L) is
 * nonzero, 0 elsewhere: (B, L) float32. The fused counterpart of
 * `selectiveLogSoftmax(logitsOf(hidden), targets)` for models with a plain head.
 */
function fusedTokenLogps(weight: Tensor, hidden: Tensor, targets: Tensor, mask: Tensor): Tensor {
  const [B, L] = targets.shape as [number, number];
  const { h, t, rows } = keptRows(hidden, targets, mask.ne(0));
  const logps = linearCrossEntropy(h, weight, t, { reduction: 'none' }).neg(); // (n)
  return zeros([B * L], { dtype: 'float32', device: hidden.device as Device }).scatter(0, rows, logps).view(B, L);
}

/**
 * DPO's summed completion log-probs (rl/logprobs.ts's sequenceLogprobs: token t predicted at
 * t − 1, `completionMask` (B, T) selects the tokens) of one forward of `input` (inputIds
 * required). The fused path gives float32 log-probs whatever the autocast dtype.
 */
export function causalLmSequenceLogprobs(model: CausalLm, input: CausalLmInput & { inputIds: Tensor }, completionMask: Tensor): SequenceLogprobs {
  const fused = fusedHead(model);
  if (fused === null) return sequenceLogprobs(model.forward(input).logits, input.inputIds, completionMask);
  const hidden = fused.lm.forwardHidden(input); // (B, T, H)
  const [B, T] = hidden.shape as [number, number, number];
  if (completionMask.ndim !== 2 || completionMask.shape[0] !== B || completionMask.shape[1] !== T) {
    throw new RangeError(`causalLmSequenceLogprobs: completionMask must have shape [${B}, ${T}], got [${completionMask.shape.join(', ')}]`);
  }
  return tidy(() => {
    const mask = completionMask.slice(1, 1).to('float32'); // (B, T−1)
    const numTokens = mask.sum({ dim: 1 });
    if (T < 2 || numTokens.min().item() < 1) {
      throw new RangeError('causalLmSequenceLogprobs: every row needs at least one completion token after position 0');
    }
    const perToken = fusedTokenLogps(fused.weight, hidden.slice(1, 0, T - 1), input.inputIds.slice(1, 1), mask); // (B, T−1)
    return { perTokenLogps: perToken, logps: perToken.sum({ dim: 1 }), numTokens };
  });
}

/**
 * Per-token log-probs (B, C) of `completionIds` (B, C), the last C tokens of `input`, under one
 * forward: position P − 1 + c predicts completion token c (the LM head runs on those positions
 * only). Positions where `completionMask` is 0 hold 0 on the fused path and the log-prob of
 * whatever id sits there on the logits path; callers mask them.
 */
export function causalLmCompletionLogps(model: CausalLm, input: CausalLmInput, completionIds: Tensor, completionMask: Tensor): Tensor {
  const C = completionIds.size(1);
  const fused = fusedHead(model);
  if (fused === null) {
    const { logits } = model.forward({ ...input, logitsToKeep: C + 1 });
    return selectiveLogSoftmax(logits.narrow(1, 0, C), completionIds);
  }
  const hidden = fused.lm.forwardHidden(input); // (B, T, H)
  const T = hidden.size(1);
  return fusedTokenLogps(fused.weight, hidden.narrow(1, T - C - 1, C), completionIds, completionMask);
}

/** Per-token log-probs and entropies of a completion, and the forward's final hidden states. */
export interface CompletionStats {
  /** (B, C) float32: log p(completion token c). */
  logps: Tensor;
  /** (B, C) float32: entropy of the distribution that predicts token c. */
  entropy: Tensor;
  /** (B, T, H): the final hidden states (a value head on the policy reads them). */
  hiddenStates: Tensor;
}

/**
 * causalLmCompletionLogps with the entropies beside the log-probs (PPO's policy loss and entropy
 * bonus), from one forward, both chunked over tokens (nn/token-stats.ts): neither path makes a
 * float32 (B, C, V) log-softmax. On the fused path the head runs on the completion tokens where
 * `completionMask` is nonzero and both are 0 elsewhere; on the logits path every position is
 * computed and callers mask.
 */
export function causalLmCompletionStats(model: CausalLm, input: CausalLmInput, completionIds: Tensor, completionMask: Tensor): CompletionStats {
  const C = completionIds.size(1);
  const fused = fusedHead(model);
  if (fused === null) {
    const { logits, hiddenStates } = model.forward({ ...input, logitsToKeep: C + 1 });
    return { ...logitsTokenStats(logits.narrow(1, 0, C), completionIds), hiddenStates };
  }
  const hiddenStates = fused.lm.forwardHidden(input); // (B, T, H)
  const [B, T] = hiddenStates.shape as [number, number, number];
  return tidy(() => {
    const { h, t, rows } = keptRows(hiddenStates.narrow(1, T - C - 1, C), completionIds, completionMask.ne(0));
    const stats = linearTokenStats(h, fused.weight, t);
    const spread = (x: Tensor) => zeros([B * C], { dtype: x.dtype, device: hiddenStates.device as Device }).scatter(0, rows, x).view(B, C);
    return { logps: spread(stats.logps), entropy: spread(stats.entropy), hiddenStates };
  });
}

/**
 * The next-token logits (n, V), float32, at the n positions whose NEXT label is not -100 (position
 * t predicts labels[t + 1], as SFT's loss), in row-major order: what a distillation loss compares
 * between two models on the same batch. The fused path runs the head on those positions only.
 */
export function causalLmTargetLogits(model: CausalLm, input: CausalLmInput, labels: Tensor): { logits: Tensor; numTokens: number } {
  const fused = fusedHead(model);
  const hidden = fused === null ? model.forward(input).logits : fused.lm.forwardHidden(input); // (B, T, V) or (B, T, H)
  const [B, T] = hidden.shape as [number, number, number];
  if (labels.shape[0] !== B || labels.shape[1] !== T) throw new RangeError(`causalLmTargetLogits: labels must be [${B}, ${T}], got [${labels.shape.join(', ')}]`);
  return tidy(() => {
    const shiftLabels = labels.slice(1, 1); // (B, T−1)
    const { h } = keptRows(hidden.slice(1, 0, T - 1), shiftLabels, shiftLabels.ne(-100)); // (n, H or V)
    const logits = fused === null ? h : h.matmul(fused.weight.t());
    return { logits: logits.to('float32'), numTokens: h.size(0) };
  });
}
