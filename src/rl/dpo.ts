/**
 * Direct Preference Optimization losses from summed sequence log-probs.
 *
 * DPO: Rafailov et al. 2023, "Direct Preference Optimization", eq. 7:
 *   L = −log σ(β·Δ),  Δ = (log πθ(y_w|x) − log π_ref(y_w|x)) − (log πθ(y_l|x) − log π_ref(y_l|x)).
 * The other TRL loss types (IPO, EXO, NCA, BCO, SPPO, AOT, APO, DiscoPOP, ...) are in dpo-losses.ts;
 * this file checks the inputs and sums the chosen types with their weights.
 *
 * ```ts
 * const out = dpoLoss({ policyChosenLogps, policyRejectedLogps, refChosenLogps, refRejectedLogps }, { beta: 0.1 });
 * out.loss.backward();
 * out.metrics.accuracy.item(); // fraction of pairs with chosen reward > rejected reward
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { DPO_LOSSES, type DpoLossType, type PairTerms } from './dpo-losses.js';
import { assertShape, assertVector } from './shapes.js';

export { DPO_LOSS_TYPES, type DpoLossType } from './dpo-losses.js';

export interface DpoInputs {
  /** (B,) Σ completion log-probs of the chosen answer under the policy. */
  policyChosenLogps: Tensor;
  policyRejectedLogps: Tensor;
  /** (B,) the same under the frozen reference model. */
  refChosenLogps: Tensor;
  refRejectedLogps: Tensor;
  /** (B,) completion token counts; needed by 'ipo', 'sigmoid_norm' and 'sft'. */
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
  /** ε: assumed rate of flipped preference labels ('sigmoid' = cDPO, 'robust', 'exo_pair', 'aot', 'aot_unpaired'). Must be < 0.5. */
  labelSmoothing?: number;
  /** τ of 'discopop': the temperature of its logistic/exponential blend (TRL's discopop_tau, default 0.05). */
  discopopTau?: number;
}

export interface DpoOutput {
  /** Scalar: mean over pairs of `losses`. */
  loss: Tensor;
  /** (B,) per-pair loss (weighted sum over the loss types); an AOT term sits at its sorted rank, not at its pair. */
  losses: Tensor;
  /** (B,) β·(log πθ(y_w) − log π_ref(y_w)), detached. */
  chosenRewards: Tensor;
  /** (B,) β·(log πθ(y_l) − log π_ref(y_l)), detached. */
  rejectedRewards: Tensor;
  /** Scalars, detached: TRL's rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins. */
  metrics: { chosen: Tensor; rejected: Tensor; accuracy: Tensor; margin: Tensor };
}

function lengths(x: DpoInputs, type: DpoLossType, B: number): [Tensor, Tensor] {
  const both = DPO_LOSSES[type].lengths === 'both';
  if (x.chosenLengths === undefined || (both && x.rejectedLengths === undefined)) {
    throw new TypeError(`dpoLoss: loss type '${type}' needs chosenLengths${both ? ' and rejectedLengths' : ''}`);
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
  const { beta = 0.1, labelSmoothing = 0, discopopTau = 0.05 } = options;
  const types: readonly DpoLossType[] = typeof options.lossType === 'string' ? [options.lossType] : (options.lossType ?? ['sigmoid']);
  const weights = options.lossWeights ?? types.map(() => 1);
  if (!(beta > 0)) throw new RangeError(`dpoLoss: beta (${beta}) must be positive`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) throw new RangeError(`dpoLoss: labelSmoothing (${labelSmoothing}) must be in [0, 0.5)`);
  if (!(discopopTau > 0)) throw new RangeError(`dpoLoss: discopopTau (${discopopTau}) must be positive`);
  if (types.length === 0) throw new RangeError('dpoLoss: lossType must name at least one loss');
  if (weights.length !== types.length) {
    throw new RangeError(`dpoLoss: lossWeights (${weights.length}) must have one weight per loss type (${types.length})`);
  }
  const B = assertVector('dpoLoss', 'policyChosenLogps', inputs.policyChosenLogps);
  assertShape('dpoLoss', 'policyRejectedLogps', inputs.policyRejectedLogps, [B]);
  assertShape('dpoLoss', 'refChosenLogps', inputs.refChosenLogps, [B]);
  assertShape('dpoLoss', 'refRejectedLogps', inputs.refRejectedLogps, [B]);
  return tidy(() => {
    const common = {
      ...inputs,
      chosenRatio: inputs.policyChosenLogps.sub(inputs.refChosenLogps),
      rejectedRatio: inputs.policyRejectedLogps.sub(inputs.refRejectedLogps),
      beta,
      labelSmoothing,
      discopopTau,
    };
    let losses: Tensor | undefined;
    types.forEach((type, i) => {
      const terms: PairTerms = { ...common, lengths: () => lengths(inputs, type, B) };
      const term = DPO_LOSSES[type].loss(terms).mul(weights[i] ?? 1);
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
