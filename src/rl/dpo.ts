/**
 * Direct Preference Optimization losses from summed sequence log-probs.
 *
 * DPO: Rafailov et al. 2023, "Direct Preference Optimization", eq. 7:
 *   L = −log σ(β·Δ),  Δ = (log πθ(y_w|x) − log π_ref(y_w|x)) − (log πθ(y_l|x) − log π_ref(y_l|x)).
 *
 * ```ts
 * const out = dpoLoss({ policyChosenLogps, policyRejectedLogps, refChosenLogps, refRejectedLogps }, { beta: 0.1 });
 * out.loss.backward();
 * out.metrics.accuracy.item(); // fraction of pairs with chosen reward > rejected reward
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { assertShape, assertVector } from './shapes.js';

/** Pairwise losses, as TRL names them, plus `sft` (NLL of the chosen answer) to add to one; the config's dpo.loss_type. */
export const DPO_LOSS_TYPES = ['sigmoid', 'ipo', 'hinge', 'robust', 'sft'] as const;
export type DpoLossType = (typeof DPO_LOSS_TYPES)[number];

export interface DpoInputs {
  /** (B,) Σ completion log-probs of the chosen answer under the policy. */
  policyChosenLogps: Tensor;
  policyRejectedLogps: Tensor;
  /** (B,) the same under the frozen reference model. */
  refChosenLogps: Tensor;
  refRejectedLogps: Tensor;
  /** (B,) completion token counts; needed by 'ipo' and 'sft'. */
  chosenLengths?: Tensor;
  rejectedLengths?: Tensor;
}

export interface DpoOptions {
  /** Strength of the KL anchor to the reference (β in eq. 7). */
  beta?: number;
  /** One loss, or several summed with `lossWeights` (e.g. ['sigmoid', 'sft']). */
  lossType?: DpoLossType | readonly DpoLossType[];
  /** One weight per loss type; all 1 by default. */
  lossWeights?: readonly number[];
  /** ε: assumed rate of flipped preference labels ('sigmoid' = cDPO, 'robust'). Must be < 0.5. */
  labelSmoothing?: number;
}

export interface DpoOutput {
  /** Scalar: mean over pairs of `losses`. */
  loss: Tensor;
  /** (B,) per-pair loss (weighted sum over the loss types). */
  losses: Tensor;
  /** (B,) β·(log πθ(y_w) − log π_ref(y_w)), detached. */
  chosenRewards: Tensor;
  /** (B,) β·(log πθ(y_l) − log π_ref(y_l)), detached. */
  rejectedRewards: Tensor;
  /** Scalars, detached: TRL's rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins. */
  metrics: { chosen: Tensor; rejected: Tensor; accuracy: Tensor; margin: Tensor };
}

/** Per-pair loss of one type, from the implicit reward margin. */
function pairLoss(type: DpoLossType, x: DpoInputs, beta: number, eps: number, B: number): Tensor {
  const chosenRatio = x.policyChosenLogps.sub(x.refChosenLogps);
  const rejectedRatio = x.policyRejectedLogps.sub(x.refRejectedLogps);
  const logits = chosenRatio.sub(rejectedRatio).mul(beta); // βΔ, (B,)
  switch (type) {
    case 'sigmoid':
      // cDPO (Mitchell 2023, "A note on DPO with noisy preferences"): labels flipped with rate ε.
      // eq. 7 when ε = 0. TRL ≥ 0.29 ignores ε here; pass 0 to reproduce it.
      return eps === 0
        ? logits.logsigmoid().neg()
        : logits.logsigmoid().mul(-(1 - eps)).sub(logits.neg().logsigmoid().mul(eps));
    case 'robust':
      // rDPO (Chowdhury et al. 2024, "Provably Robust DPO", the rDPO loss): an unbiased estimate under flip rate ε.
      return logits.logsigmoid().mul(-(1 - eps)).add(logits.neg().logsigmoid().mul(eps)).div(1 - 2 * eps);
    case 'hinge':
      // SLiC (Zhao et al. 2023, "SLiC-HF", eq. 1 with δ = 1/β): max(0, 1 − βΔ).
      return logits.rsub(1).relu();
    case 'ipo': {
      // IPO (Azar et al. 2023, "A General Theoretical Paradigm...", eq. 17): (Δ − 1/(2β))².
      // As TRL, the log-ratios are averaged per token (divided by the completion lengths).
      const [nc, nr] = lengths(x, 'ipo', B);
      const delta = chosenRatio.div(nc).sub(rejectedRatio.div(nr));
      return delta.sub(1 / (2 * beta)).square();
    }
    case 'sft': {
      // NLL of the chosen answer per token (Pang et al. 2024, "Iterative Reasoning Preference Optimization", add it to DPO; TRL "sft" term).
      const [nc] = lengths(x, 'sft', B);
      return x.policyChosenLogps.div(nc).neg();
    }
    default: {
      const never: never = type;
      throw new TypeError(`dpoLoss: unknown loss type '${String(never)}'`);
    }
  }
}

function lengths(x: DpoInputs, type: DpoLossType, B: number): [Tensor, Tensor] {
  if (x.chosenLengths === undefined || (type === 'ipo' && x.rejectedLengths === undefined)) {
    throw new TypeError(`dpoLoss: loss type '${type}' needs chosenLengths${type === 'ipo' ? ' and rejectedLengths' : ''}`);
  }
  assertShape('dpoLoss', 'chosenLengths', x.chosenLengths, [B]);
  if (x.rejectedLengths !== undefined) assertShape('dpoLoss', 'rejectedLengths', x.rejectedLengths, [B]);
  return [x.chosenLengths, x.rejectedLengths ?? x.chosenLengths];
}

/**
 * DPO-family loss of B preference pairs from sequence log-probs. `rewards` are the implicit
 * rewards β·log(πθ/π_ref) of eq. 5, reported detached as in TRL.
 */
export function dpoLoss(inputs: DpoInputs, options: DpoOptions = {}): DpoOutput {
  const { beta = 0.1, labelSmoothing = 0 } = options;
  const types: readonly DpoLossType[] = typeof options.lossType === 'string' ? [options.lossType] : (options.lossType ?? ['sigmoid']);
  const weights = options.lossWeights ?? types.map(() => 1);
  if (!(beta > 0)) throw new RangeError(`dpoLoss: beta (${beta}) must be positive`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) throw new RangeError(`dpoLoss: labelSmoothing (${labelSmoothing}) must be in [0, 0.5)`);
  if (types.length === 0) throw new RangeError('dpoLoss: lossType must name at least one loss');
  if (weights.length !== types.length) {
    throw new RangeError(`dpoLoss: lossWeights (${weights.length}) must have one weight per loss type (${types.length})`);
  }
  const B = assertVector('dpoLoss', 'policyChosenLogps', inputs.policyChosenLogps);
  assertShape('dpoLoss', 'policyRejectedLogps', inputs.policyRejectedLogps, [B]);
  assertShape('dpoLoss', 'refChosenLogps', inputs.refChosenLogps, [B]);
  assertShape('dpoLoss', 'refRejectedLogps', inputs.refRejectedLogps, [B]);
  return tidy(() => {
    let losses: Tensor | undefined;
    types.forEach((type, i) => {
      const term = pairLoss(type, inputs, beta, labelSmoothing, B).mul(weights[i] ?? 1);
      losses = losses === undefined ? term : losses.add(term);
    });
    const perPair = losses as Tensor;
    const chosenRewards = inputs.policyChosenLogps.sub(inputs.refChosenLogps).mul(beta).detach();
    const rejectedRewards = inputs.policyRejectedLogps.sub(inputs.refRejectedLogps).mul(beta).detach();
    return {
      loss: perPair.mean(),
      losses: perPair,
      chosenRewards,
      rejectedRewards,
      metrics: {
        chosen: chosenRewards.mean(),
        rejected: rejectedRewards.mean(),
        accuracy: chosenRewards.gt(rejectedRewards).to(chosenRewards.dtype).mean(),
        margin: chosenRewards.sub(rejectedRewards).mean(),
      },
    };
  });
}
