/**
 * Contrastive preference optimisation and SimPO on the shared loop (TRL CPOTrainer semantics):
 * a reference-free pairwise loss plus cpo_alpha times the NLL of the chosen answers, one forward.
 *
 * ```ts
 * const result = await runCpo(loadConfig('examples/configs/cpo.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { collatePreference, type PreferenceExample } from '../../data/index.js';
import type { PretrainedCausalLm } from '../../models/index.js';
import { CPO_LENGTH_NORMALISED, cpoLoss, type CpoOptions } from '../../rl/cpo.js';
import { pairLogpsWithNll } from '../../scoring/index.js';
import type { Algorithm, RunOptions, TrainResult } from '../loop/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { pairMetricSums, trainOnPreferencePairs } from '../loop/preference-pairs.js';

export interface CpoAlgorithmOptions extends CpoOptions {
  padTokenId: number;
  /** Weight of the chosen answers' NLL (default 1; 0 = no NLL term, pure SimPO). */
  cpoAlpha?: number;
}

/**
 * The CPO algorithm (Xu et al. 2024, eq. 6: L_prefer + L_NLL), as TRL: the pairwise loss from the
 * summed completion log-probs (their per-token mean for ipo and simpo), plus cpo_alpha times the
 * cross entropy of the chosen answers' tokens averaged over the micro-batch's tokens. Units are
 * pairs: `loss` = Σ pair losses + B·cpo_alpha·NLL, so a step's loss is TRL's mean. Metrics as TRL:
 * rewards/* (β·log-prob), logps/*, nll_loss (0 when cpo_alpha is 0).
 */
export function cpoAlgorithm(model: PretrainedCausalLm, options: CpoAlgorithmOptions): Algorithm<PreferenceExample> {
  const { padTokenId, cpoAlpha = 1, ...lossOptions } = options;
  const lengthNormalised = CPO_LENGTH_NORMALISED.includes(lossOptions.lossType ?? 'sigmoid');
  return {
    name: 'cpo',
    model,
    loss(examples) {
      const B = examples.length;
      const batch = collatePreference(examples, { padTokenId });
      const p = pairLogpsWithNll(model, batch, B, 'completion');
      const chosenLogps = lengthNormalised ? p.chosen.div(p.chosenLengths) : p.chosen; // (B,)
      const rejectedLogps = lengthNormalised ? p.rejected.div(p.rejectedLengths) : p.rejected;
      const out = cpoLoss({ chosenLogps, rejectedLogps }, lossOptions);
      // TRL skips the NLL (and logs 0) when cpo_alpha is 0.
      const nll = cpoAlpha === 0 ? null : p.chosenNllSum.div(p.chosenNllTokens); // scalar
      const pairs = out.losses.sum();
      return {
        loss: nll === null ? pairs : pairs.add(nll.mul(cpoAlpha * B)),
        numTokens: B,
        tokens: batch.attentionMask.sum().item(),
        metrics: pairMetricSums(
          { chosenRewards: out.chosenRewards, rejectedRewards: out.rejectedRewards, chosenLogps, rejectedLogps },
          { nll_loss: nll === null ? chosenLogps.detach().mul(0) : nll.detach().expand([B]) },
        ),
      };
    },
  };
}

/** Loads the policy and the preference pairs (no reference model) and trains with cpo:. */
async function runCpoOnDevice(config: RunConfig, options: RunOptions<PreferenceExample> = {}): Promise<TrainResult> {
  const c = config.cpo;
  return trainOnPreferencePairs(
    config,
    'cpo',
    (model, padTokenId) =>
      cpoAlgorithm(model, { padTokenId, beta: c.beta, lossType: c.loss_type, labelSmoothing: c.label_smoothing, simpoGamma: c.simpo_gamma, alpha: c.alpha, cpoAlpha: c.cpo_alpha }),
    options,
  );
}

/** CPO (and SimPO, cpo.loss_type simpo) on training.device (models, batches and optimizer state there). */
export const runCpo = onTrainingDevice(runCpoOnDevice);
