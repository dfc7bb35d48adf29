/**
 * ORPO's odds-ratio term from length-normalised (mean per-token) completion log-probs.
 *
 * ORPO: Hong et al. 2024, "ORPO: Monolithic Preference Optimization without Reference Model",
 * eqs. 4–7: odds(y|x) = P / (1 − P), L = L_SFT − λ·log σ(log odds(y_w|x) − log odds(y_l|x)),
 * with log P the MEAN per-token log-prob (TRL ORPOTrainer, average_log_prob=True).
 * The NLL term L_SFT comes from the trainer (it reads the whole chosen sequence).
 *
 * ```ts
 * const out = orpoOddsRatioLoss({ chosenLogps, rejectedLogps }, { beta: 0.1 });
 * nll.add(out.losses.mean()).backward(); // TRL: loss = nll − mean(β·log σ(log odds))
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { assertShape, assertVector } from './shapes.js';

/**
 * log(1 − exp(x)) for x ≤ 0 without cancellation (Mächler 2012, "Accurately Computing
 * log(1 − exp(−|a|))"): log1p(−exp(x)) below −ln 2, log(−expm1(x)) above, as TRL's log1mexp.
 */
export function log1mexp(x: Tensor): Tensor {
  return x.exp().neg().log1p().where(x.lt(-Math.LN2), x.expm1().neg().log());
}

export interface OrpoInputs {
  /** (B,) mean per-token log-prob of the chosen completion under the policy. */
  chosenLogps: Tensor;
  /** (B,) the same for the rejected completion. */
  rejectedLogps: Tensor;
}

export interface OrpoOutput {
  /** (B,) −β·log σ(log odds ratio): the per-pair term ADDED to the NLL (TRL returns its negative). */
  losses: Tensor;
  /** (B,) β·chosenLogps, detached (TRL's rewards/chosen). */
  chosenRewards: Tensor;
  /** (B,) β·rejectedLogps, detached. */
  rejectedRewards: Tensor;
  /** (B,) log σ(log odds ratio), detached: TRL logs its mean as `log_odds_ratio`. */
  logSigmoidRatio: Tensor;
  /** (B,) the log odds ratio, detached: TRL logs its mean as `log_odds_chosen`. */
  logOdds: Tensor;
}

/** ORPO's odds-ratio loss of B pairs (λ = `beta`, TRL's name; default 0.1). */
export function orpoOddsRatioLoss(inputs: OrpoInputs, options: { beta?: number } = {}): OrpoOutput {
  const { beta = 0.1 } = options;
  if (!(beta > 0)) throw new RangeError(`orpoOddsRatioLoss: beta (${beta}) must be positive`);
  const B = assertVector('orpoOddsRatioLoss', 'chosenLogps', inputs.chosenLogps);
  assertShape('orpoOddsRatioLoss', 'rejectedLogps', inputs.rejectedLogps, [B]);
  return tidy(() => {
    const c = inputs.chosenLogps;
    const r = inputs.rejectedLogps;
    // log odds(y_w) − log odds(y_l) = (log P_w − log P_l) − (log(1 − P_w) − log(1 − P_l)).
    const logOdds = c.sub(r).sub(log1mexp(c).sub(log1mexp(r)));
    const ratio = logOdds.logsigmoid();
    return {
      losses: ratio.mul(-beta),
      chosenRewards: c.detach().mul(beta),
      rejectedRewards: r.detach().mul(beta),
      logSigmoidRatio: ratio.detach(),
      logOdds: logOdds.detach(),
    };
  });
}
