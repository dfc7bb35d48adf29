/**
 * Reference-free pairwise preference losses of CPO and SimPO (TRL CPOTrainer.cpo_loss).
 *
 * CPO: Xu et al. 2024, "Contrastive Preference Optimization", eq. 3 (the DPO loss with the
 * reference dropped): L_prefer = −log σ(β·(log πθ(y_w|x) − log πθ(y_l|x))), plus an NLL term on
 * y_w that the trainer adds with weight cpo_alpha.
 * SimPO: Meng et al. 2024, "SimPO: Simple Preference Optimization with a Reference-Free Reward",
 * eq. 6: −log σ(β/|y_w|·log πθ(y_w|x) − β/|y_l|·log πθ(y_l|x) − γ), i.e. length-normalised
 * log-probs and a target margin γ (TRL subtracts γ/β from the log-prob gap before scaling by β).
 * AlphaPO: Gupta et al. 2025, "AlphaPO: Reward Shape Matters for LLM Alignment": with α ≠ 0 the
 * reward is (1 − P^(−α))/α instead of log P.
 *
 * ```ts
 * const out = cpoLoss({ chosenLogps, rejectedLogps }, { beta: 2, lossType: 'simpo', simpoGamma: 0.5 });
 * out.losses.mean().backward();
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { assertShape, assertVector } from './shapes.js';

/** The config's cpo.loss_type, as TRL names them. */
export const CPO_LOSS_TYPES = ['sigmoid', 'hinge', 'ipo', 'simpo'] as const;
export type CpoLossType = (typeof CPO_LOSS_TYPES)[number];

/** Loss types whose log-probs are averaged over the completion tokens (TRL: average_log_prob for ipo and simpo). */
export const CPO_LENGTH_NORMALISED: readonly CpoLossType[] = ['ipo', 'simpo'];

export interface CpoInputs {
  /** (B,) completion log-prob of the chosen answer: summed, or the per-token mean for ipo/simpo (CPO_LENGTH_NORMALISED). */
  chosenLogps: Tensor;
  rejectedLogps: Tensor;
}

export interface CpoOptions {
  /** Temperature β (IPO's τ for 'ipo'). */
  beta?: number;
  lossType?: CpoLossType;
  /** ε: assumed rate of flipped labels ('sigmoid' and 'simpo' only, as TRL). Must be < 0.5. */
  labelSmoothing?: number;
  /** SimPO's target reward margin γ ('simpo' only). */
  simpoGamma?: number;
  /** AlphaPO's reward shape α; 0 = log-prob rewards. */
  alpha?: number;
}

export interface CpoOutput {
  /** (B,) per-pair preference loss (without the NLL term). */
  losses: Tensor;
  /** (B,) β·reward of the chosen answer, detached (TRL's rewards/chosen). */
  chosenRewards: Tensor;
  rejectedRewards: Tensor;
}

/** −(1 − ε)·log σ(z) − ε·log σ(−z): eq. 3 at ε = 0 (conservative with ε > 0). */
function smoothedSigmoid(z: Tensor, eps: number): Tensor {
  const main = z.logsigmoid().mul(-(1 - eps));
  return eps === 0 ? main : main.sub(z.neg().logsigmoid().mul(eps));
}

/** CPO-family loss of B pairs. */
export function cpoLoss(inputs: CpoInputs, options: CpoOptions = {}): CpoOutput {
  const { beta = 0.1, lossType = 'sigmoid', labelSmoothing = 0, simpoGamma = 0.5, alpha = 0 } = options;
  if (!(beta > 0)) throw new RangeError(`cpoLoss: beta (${beta}) must be positive`);
  if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) throw new RangeError(`cpoLoss: labelSmoothing (${labelSmoothing}) must be in [0, 0.5)`);
  const B = assertVector('cpoLoss', 'chosenLogps', inputs.chosenLogps);
  assertShape('cpoLoss', 'rejectedLogps', inputs.rejectedLogps, [B]);
  return tidy(() => {
    // AlphaPO's reward (1 − P^(−α))/α = (1 − exp(−α·log P))/α; log P itself when α = 0.
    const reward = (logps: Tensor) => (alpha === 0 ? logps : logps.mul(-alpha).exp().rsub(1).div(alpha));
    const c = reward(inputs.chosenLogps);
    const r = reward(inputs.rejectedLogps);
    const gap = c.sub(r); // (B,)
    let losses: Tensor;
    switch (lossType) {
      case 'sigmoid':
        losses = smoothedSigmoid(gap.mul(beta), labelSmoothing);
        break;
      case 'simpo':
        // β·(gap − γ/β), as TRL computes it (SimPO eq. 6).
        losses = smoothedSigmoid(gap.sub(simpoGamma / beta).mul(beta), labelSmoothing);
        break;
      case 'hinge':
        // SLiC (Zhao et al. 2023, eq. 1 with δ = 1/β): max(0, 1 − β·gap).
        losses = gap.mul(beta).rsub(1).relu();
        break;
      case 'ipo':
        // IPO (Azar et al. 2023, eq. 17) without a reference: (gap − 1/(2β))².
        losses = gap.sub(1 / (2 * beta)).square();
        break;
      default: {
        const never: never = lossType;
        throw new TypeError(`cpoLoss: unknown loss type '${String(never)}'; implemented: ${CPO_LOSS_TYPES.join(', ')}`);
      }
    }
    return { losses, chosenRewards: c.detach().mul(beta), rejectedRewards: r.detach().mul(beta) };
  });
}
