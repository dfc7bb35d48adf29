/**
 * Direct preference optimisation on the shared loop (TRL DPOTrainer semantics).
 *
 * ```ts
 * const result = await runDpo(loadConfig('examples/configs/dpo.yaml'));
 * ```
 */
import { resolve } from 'node:path';
import { startingBatchSize, type RunConfig } from '../../config/index.js';
import { collatePreference, loadRewardExamples, padIdOf, type PreferenceExample } from '../../data/index.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { DPO_LOSS_TYPES, dpoLoss, type DpoLossType } from '../../rl/index.js';
import { pairLogps, scorePairLogps } from '../../scoring/index.js';
import { noGrad, tensor, tidy, type Tensor } from '../../tensor/index.js';
import { freezeReference, loadReferencePolicy, releaseReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { type Algorithm, type TrainerOptions, type TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';

export interface DpoAlgorithmOptions {
  /** 'precomputed': the examples' `refChosenLogps` / `refRejectedLogps`; null: reference-free (log π_ref = 0). */
  reference: ReferencePolicy;
  padTokenId: number;
  beta?: number;
  /** One loss type or several, summed with lossWeights. */
  lossType?: string | readonly string[];
  lossWeights?: readonly number[] | null;
  labelSmoothing?: number;
  /** τ of the discopop loss. */
  discopopTau?: number;
}

/** Checks loss type names against what dpoLoss implements. */
export function checkDpoLossType(lossType: string | readonly string[]): DpoLossType[] {
  const types = typeof lossType === 'string' ? [lossType] : [...lossType];
  for (const t of types) {
    if (!(DPO_LOSS_TYPES as readonly string[]).includes(t)) {
      throw new Error(`dpo: loss_type '${t}' is not implemented; implemented: ${DPO_LOSS_TYPES.join(', ')}`);
    }
  }
  return types as DpoLossType[];
}

/** Reference log-probs of the pairs of one batch, without grad. */
function referenceLogps(reference: ReferencePolicy, policy: PretrainedCausalLm, examples: readonly PreferenceExample[], batch: Parameters<typeof pairLogps>[1], like: Tensor) {
  const B = examples.length;
  if (reference === null) return { chosen: like.detach().mul(0), rejected: like.detach().mul(0) };
  if (reference === 'precomputed') {
    const missing = examples.findIndex((e) => e.refChosenLogps === undefined || e.refRejectedLogps === undefined);
    if (missing >= 0) throw new Error(`dpo: example ${missing} of the batch has no precomputed reference log-probs (run precomputeReferenceLogps first)`);
    return {
      chosen: tensor(examples.map((e) => e.refChosenLogps as number), { dtype: like.dtype }),
      rejected: tensor(examples.map((e) => e.refRejectedLogps as number), { dtype: like.dtype }),
    };
  }
  // Its own scope: the reference forward's activations are freed here, not at the end of the step.
  return tidy(() => withReference(reference, policy, (ref) => {
    const r = pairLogps(ref, batch, B);
    return { chosen: r.chosen.detach(), rejected: r.rejected.detach() };
  }));
}

/**
 * Scores every pair once with the reference (eval mode, no grad, batches of `batchSize`) and
 * stores the log-probs on the examples, so training needs no reference model in memory.
 */
export function precomputeReferenceLogps(reference: PretrainedCausalLm, examples: PreferenceExample[], padTokenId: number, batchSize = 8): void {
  const { chosen, rejected } = scorePairLogps(reference, examples, padTokenId, batchSize);
  examples.forEach((e, j) => {
    e.refChosenLogps = chosen[j] as number;
    e.refRejectedLogps = rejected[j] as number;
  });
}

/**
 * The DPO algorithm: one forward of the concatenated chosen+rejected batch through the policy
 * (with grad) and through the frozen reference (noGrad, eval mode). `loss` is the per-pair loss
 * SUMMED over the micro-batch and `numTokens` the number of pairs, so the loop's normalisation
 * gives the mean over the pairs of the whole accumulated step. Metrics (also sums, divided by
 * pairs when logged): rewards/chosen, rewards/rejected, rewards/margins, rewards/accuracies,
 * logps/chosen, logps/rejected.
 */
export function dpoAlgorithm(model: PretrainedCausalLm, options: DpoAlgorithmOptions): Algorithm<PreferenceExample> {
  const lossType = checkDpoLossType(options.lossType ?? 'sigmoid');
  const lossWeights = options.lossWeights ?? undefined;
  const beta = options.beta ?? 0.1;
  const labelSmoothing = options.labelSmoothing ?? 0;
  const discopopTau = options.discopopTau ?? 0.05;
  const reference = freezeReference(options.reference);
  return {
    name: 'dpo',
    model,
    loss(examples) {
      const B = examples.length;
      const batch = collatePreference(examples, { padTokenId: options.padTokenId });
      const policy = pairLogps(model, batch, B);
      const ref = referenceLogps(reference, model, examples, batch, policy.chosen);
      const out = dpoLoss(
        {
          policyChosenLogps: policy.chosen,
          policyRejectedLogps: policy.rejected,
          refChosenLogps: ref.chosen,
          refRejectedLogps: ref.rejected,
          chosenLengths: policy.chosenLengths,
          rejectedLengths: policy.rejectedLengths,
        },
        { beta, lossType, labelSmoothing, discopopTau, ...(lossWeights === undefined ? {} : { lossWeights }) },
      );
      const sum = (t: Tensor) => t.detach().sum().item();
      const c = out.chosenRewards;
      const r = out.rejectedRewards;
      return {
        loss: out.losses.sum(),
        numTokens: B,
        tokens: batch.attentionMask.sum().item(),
        metrics: {
          'rewards/chosen': sum(c),
          'rewards/rejected': sum(r),
          'rewards/margins': sum(c.sub(r)),
          'rewards/accuracies': sum(c.gt(r).to(c.dtype)),
          'logps/chosen': sum(policy.chosen),
          'logps/rejected': sum(policy.rejected),
        },
      };
    },
  };
}

export interface RunDpoOptions extends Pick<TrainerOptions<PreferenceExample>, 'progress' | 'echo'> {
  resume?: string | null;
}

/**
 * Loads the policy and its reference — dpo.ref_model_path, else the starting model: with
 * lora.enabled the policy's base with adapters disabled, otherwise a frozen second copy; none
 * when dpo.reference_free — the tokenizer and preference pairs, and trains. With
 * dpo.precompute_ref_log_probs the reference scores every pair once and is freed before training.
 */
async function runDpoOnDevice(config: RunConfig, options: RunDpoOptions = {}): Promise<TrainResult> {
  const d = config.dpo;
  checkDpoLossType(d.loss_type);
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const padTokenId = padIdOf(tokenizer);
  const train = await loadRewardExamples(run.config, tokenizer, 'train');
  if (train.length === 0) throw new Error('dpo: no preference pairs to train on');
  const validation = await loadRewardExamples(run.config, tokenizer, 'validation');
  const { model, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  let reference = loadReferencePolicy({ needed: !d.reference_free, modelPath: run.modelDir, refModelPath: d.ref_model_path, dtype: run.dtype, loraApplied: lora !== null });
  if (d.precompute_ref_log_probs && reference !== null) {
    const ref = reference;
    for (const examples of [train, validation]) {
      withReference(ref, model, (m) => precomputeReferenceLogps(m, examples, padTokenId, startingBatchSize(config.training, 'per_device_eval_batch_size')));
    }
    releaseReference(ref);
    reference = 'precomputed';
  }
  const algorithm = dpoAlgorithm(model, {
    reference,
    padTokenId,
    beta: d.beta,
    lossType: d.loss_type,
    lossWeights: d.loss_weights,
    labelSmoothing: d.label_smoothing,
    discopopTau: d.discopop_tau,
  });
  return trainAlgorithm(algorithm, run.config, { train, validation }, { ...options });
}

/** Dpo on training.device (models, batches and optimizer state there). */
export const runDpo = onTrainingDevice(runDpoOnDevice);
