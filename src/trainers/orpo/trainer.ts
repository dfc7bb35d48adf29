/**
 * Odds ratio preference optimisation on the shared loop (TRL ORPOTrainer semantics): the NLL of
 * the chosen sequence plus λ times the odds-ratio loss, one forward of the policy, no reference.
 *
 * ```ts
 * const result = await runOrpo(loadConfig('examples/configs/orpo.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { collatePreference, type PreferenceExample } from '../../data/index.js';
import type { PretrainedCausalLm } from '../../models/index.js';
import { orpoOddsRatioLoss } from '../../rl/orpo.js';
import { pairLogpsWithNll } from '../../scoring/index.js';
import type { Algorithm, RunOptions, TrainResult } from '../loop/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { pairMetricSums, trainOnPreferencePairs } from '../loop/preference-pairs.js';

export interface OrpoAlgorithmOptions {
  padTokenId: number;
  /** λ, TRL's orpo beta (default 0.1). */
  beta?: number;
}

/**
 * The ORPO algorithm (Hong et al. 2024, eq. 6): L = L_SFT − λ·log σ(log odds ratio), as TRL:
 * L_SFT is the cross entropy of the chosen rows over ALL their tokens (prompt and answer), averaged
 * over the micro-batch's tokens; the odds use the answers' MEAN per-token log-probs. Units are pairs:
 * `loss` = B·L_SFT + Σ −λ·log σ, so a step's loss is TRL's (the mean of its micro-batches' losses
 * when they hold the same number of pairs). Metrics as TRL: rewards/* (λ·mean log-prob), logps/*,
 * nll_loss, log_odds_ratio (mean log σ), log_odds_chosen (mean log odds ratio).
 */
export function orpoAlgorithm(model: PretrainedCausalLm, options: OrpoAlgorithmOptions): Algorithm<PreferenceExample> {
  const beta = options.beta ?? 0.1;
  return {
    name: 'orpo',
    model,
    loss(examples) {
      const B = examples.length;
      const batch = collatePreference(examples, { padTokenId: options.padTokenId });
      const p = pairLogpsWithNll(model, batch, B, 'sequence');
      const nll = p.chosenNllSum.div(p.chosenNllTokens); // scalar
      const chosenLogps = p.chosen.div(p.chosenLengths); // (B,) mean per token
      const rejectedLogps = p.rejected.div(p.rejectedLengths);
      const out = orpoOddsRatioLoss({ chosenLogps, rejectedLogps }, { beta });
      const nllPerPair = nll.detach().expand([B]);
      return {
        loss: nll.mul(B).add(out.losses.sum()),
        numTokens: B,
        tokens: batch.attentionMask.sum().item(),
        metrics: pairMetricSums(
          { chosenRewards: out.chosenRewards, rejectedRewards: out.rejectedRewards, chosenLogps, rejectedLogps },
          { nll_loss: nllPerPair, log_odds_ratio: out.logSigmoidRatio, log_odds_chosen: out.logOdds },
        ),
      };
    },
  };
}

/** Loads the policy and the preference pairs (no reference model) and trains with orpo:. */
async function runOrpoOnDevice(config: RunConfig, options: RunOptions<PreferenceExample> = {}): Promise<TrainResult> {
  return trainOnPreferencePairs(config, 'orpo', (model, padTokenId) => orpoAlgorithm(model, { padTokenId, beta: config.orpo.beta }), options);
}

/** ORPO on training.device (models, batches and optimizer state there). */
export const runOrpo = onTrainingDevice(runOrpoOnDevice);
