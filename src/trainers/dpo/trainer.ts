/**
 * Direct preference optimisation on the shared loop (TRL DPOTrainer semantics).
 *
 * ```ts
 * const result = await runDpo(loadConfig('examples/configs/dpo.yaml'));
 * ```
 */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/index.js';
import { writeResolvedConfig } from '../../config/index.js';
import { collatePreference, padIdOf, type PreferenceExample } from '../../data/index.js';
import { loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { DPO_LOSS_TYPES, dpoLoss, sequenceLogprobs, type DpoLossType } from '../../rl/index.js';
import { noGrad, type Tensor } from '../../tensor/index.js';
import { Tokenizer } from '../../tokenizers/index.js';
import { type Algorithm, type TrainerOptions, type TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { loadRewardExamples } from '../reward/index.js';

export interface DpoAlgorithmOptions {
  /** Frozen reference model; null = reference-free (log π_ref = 0). */
  reference: PretrainedCausalLm | null;
  padTokenId: number;
  beta?: number;
  lossType?: string;
  labelSmoothing?: number;
}

/** The loss types dpoLoss implements (config may name more, as TRL does). */
export function checkDpoLossType(lossType: string): DpoLossType {
  if (!(DPO_LOSS_TYPES as readonly string[]).includes(lossType)) {
    throw new Error(`dpo: loss_type '${lossType}' is not implemented; implemented: ${DPO_LOSS_TYPES.join(', ')}`);
  }
  return lossType as DpoLossType;
}

/** Summed completion log-probs of the [chosen..., rejected...] rows, split in halves of B. */
function pairLogps(model: PretrainedCausalLm, batch: { inputIds: Tensor; attentionMask: Tensor; completionMask: Tensor }, B: number) {
  const { logits } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask });
  const s = sequenceLogprobs(logits, batch.inputIds, batch.completionMask);
  return {
    chosen: s.logps.slice(0, 0, B),
    rejected: s.logps.slice(0, B, 2 * B),
    chosenLengths: s.numTokens.slice(0, 0, B),
    rejectedLengths: s.numTokens.slice(0, B, 2 * B),
  };
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
  const beta = options.beta ?? 0.1;
  const labelSmoothing = options.labelSmoothing ?? 0;
  const reference = options.reference;
  if (reference !== null) {
    reference.freeze();
    reference.eval();
  }
  return {
    name: 'dpo',
    model,
    loss(examples) {
      const B = examples.length;
      const batch = collatePreference(examples, { padTokenId: options.padTokenId });
      const policy = pairLogps(model, batch, B);
      const ref = reference === null
        ? { chosen: policy.chosen.detach().mul(0), rejected: policy.rejected.detach().mul(0) }
        : noGrad(() => {
          const r = pairLogps(reference, batch, B);
          return { chosen: r.chosen.detach(), rejected: r.rejected.detach() };
        });
      const out = dpoLoss(
        {
          policyChosenLogps: policy.chosen,
          policyRejectedLogps: policy.rejected,
          refChosenLogps: ref.chosen,
          refRejectedLogps: ref.rejected,
          chosenLengths: policy.chosenLengths,
          rejectedLengths: policy.rejectedLengths,
        },
        { beta, lossType, labelSmoothing },
      );
      const sum = (t: Tensor) => t.detach().sum().item();
      const c = out.chosenRewards;
      const r = out.rejectedRewards;
      return {
        loss: out.losses.sum(),
        numTokens: B,
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
 * Loads the policy, the frozen reference (dpo.ref_model_path, else a second copy of
 * model.name_or_path; none when dpo.reference_free), tokenizer and preference pairs, and trains.
 */
export async function runDpo(config: RunConfig, options: RunDpoOptions = {}): Promise<TrainResult> {
  const d = config.dpo;
  checkDpoLossType(d.loss_type);
  const modelDir = resolve(config.model.name_or_path);
  const tokenizer = Tokenizer.fromPretrained(modelDir);
  const train = await loadRewardExamples(config, tokenizer, 'train');
  if (train.length === 0) throw new Error('dpo: no preference pairs to train on');
  const validation = await loadRewardExamples(config, tokenizer, 'validation');
  writeResolvedConfig(config.training.output_dir, config);
  const model = loadCausalLm(modelDir);
  const reference = d.reference_free ? null : loadCausalLm(resolve(d.ref_model_path ?? modelDir));
  const algorithm = dpoAlgorithm(model, {
    reference,
    padTokenId: padIdOf(tokenizer),
    beta: d.beta,
    lossType: d.loss_type,
    labelSmoothing: d.label_smoothing,
  });
  return trainAlgorithm(algorithm, config, { train, validation }, options);
}
