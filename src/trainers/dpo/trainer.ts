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
import { noGrad, tensor, tidy, type Tensor } from '../../tensor/index.js';
import { applyLoraFromConfig } from '../loop/index.js';
import { freezeReference, loadReferencePolicy, releaseReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { Tokenizer } from '../../tokenizers/index.js';
import { type Algorithm, type TrainerOptions, type TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { loadRewardExamples } from '../reward/index.js';
import { onTrainingDevice } from '../loop/device.js';

export interface DpoAlgorithmOptions {
  /** 'precomputed': the examples' `refChosenLogps` / `refRejectedLogps`; null: reference-free (log π_ref = 0). */
  reference: ReferencePolicy;
  padTokenId: number;
  beta?: number;
  /** One loss type or several, summed with lossWeights. */
  lossType?: string | readonly string[];
  lossWeights?: readonly number[] | null;
  labelSmoothing?: number;
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
 * Summed completion log-probs of each pair's chosen and rejected answer under `model`, in eval
 * mode without grad, batches of `batchSize`: what DPO's implicit rewards are made of.
 */
export function scorePairLogps(model: PretrainedCausalLm, examples: readonly PreferenceExample[], padTokenId: number, batchSize = 8): { chosen: number[]; rejected: number[] } {
  const wasTraining = model.training;
  model.eval();
  const chosen: number[] = [];
  const rejected: number[] = [];
  try {
    for (let i = 0; i < examples.length; i += batchSize) {
      const chunk = examples.slice(i, i + batchSize);
      const [c, r] = tidy(() => noGrad(() => {
        const l = pairLogps(model, collatePreference(chunk, { padTokenId }), chunk.length);
        return [l.chosen.toArray() as number[], l.rejected.toArray() as number[]];
      }));
      chosen.push(...c);
      rejected.push(...r);
    }
  } finally {
    model.train(wasTraining);
  }
  return { chosen, rejected };
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
  const lossWeights = options.lossWeights ?? undefined;
  const beta = options.beta ?? 0.1;
  const labelSmoothing = options.labelSmoothing ?? 0;
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
        { beta, lossType, labelSmoothing, ...(lossWeights === undefined ? {} : { lossWeights }) },
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
  const modelDir = resolve(config.model.name_or_path);
  const tokenizer = Tokenizer.fromPretrained(modelDir);
  const padTokenId = padIdOf(tokenizer);
  const train = await loadRewardExamples(config, tokenizer, 'train');
  if (train.length === 0) throw new Error('dpo: no preference pairs to train on');
  const validation = await loadRewardExamples(config, tokenizer, 'validation');
  writeResolvedConfig(config.training.output_dir, config);
  const model = loadCausalLm(modelDir);
  const lora = applyLoraFromConfig(model, config.lora);
  let reference = loadReferencePolicy({ needed: !d.reference_free, modelPath: modelDir, refModelPath: d.ref_model_path, loraApplied: lora !== null });
  if (d.precompute_ref_log_probs && reference !== null) {
    const ref = reference;
    for (const examples of [train, validation]) {
      withReference(ref, model, (m) => precomputeReferenceLogps(m, examples, padTokenId, config.training.per_device_eval_batch_size));
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
  });
  return trainAlgorithm(algorithm, config, { train, validation }, { ...options });
}

/** Dpo on training.device (models, batches and optimizer state there). */
export const runDpo = onTrainingDevice(runDpoOnDevice);
