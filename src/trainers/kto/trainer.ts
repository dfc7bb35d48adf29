/**
 * Kahneman-Tversky optimisation on the shared loop (TRL KTOTrainer semantics): unpaired
 * examples, each completion's log-ratio against a frozen reference, and a reference point z0
 * estimated from the micro-batch's completions paired with other prompts.
 *
 * ```ts
 * const result = await runKto(loadConfig('examples/configs/kto.yaml'));
 * ```
 */
import { startingBatchSize, type RunConfig } from '../../config/index.js';
import { collatePromptCompletions, loadUnpairedPreferences, mismatchedCompletions, padIdOf, type PreferenceBatch, type UnpairedPreferenceExample } from '../../data/index.js';
import { currentGroup } from '../../distributed/index.js';
import { causalLmSequenceLogprobs, loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { KTO_KL_LOSS_TYPES, ktoLoss, ktoReferencePoint, type KtoOptions } from '../../rl/kto.js';
import { scoreCompletionLogps } from '../../scoring/index.js';
import { noGrad, stack, tensor, tidy, type Device, type Tensor } from '../../tensor/index.js';
import type { Algorithm, RunOptions, TrainResult } from '../loop/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';
import { freezeReference, loadReferencePolicy, releaseReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { trainAlgorithm } from '../loop/run.js';

export interface KtoAlgorithmOptions extends KtoOptions {
  /** 'precomputed': the examples' `refLogps` (apo_zero_unpaired only); a model or the LoRA base otherwise. */
  reference: Exclude<ReferencePolicy, null>;
  padTokenId: number;
  /** data.max_length: the KL sequences (prompt + another example's completion) are cut to it, as TRL's collator does. */
  maxLength?: number;
  /**
   * Averages a micro-batch's KL estimate over the data-parallel ranks while training (TRL gathers
   * it across processes); default: this process's alone. Evaluation always uses its own batch's.
   */
  gatherMean?: (localMean: number) => number;
}

/** Padded prompt + completion rows (collatePromptCompletions). */
type Rows = Pick<PreferenceBatch, 'inputIds' | 'attentionMask' | 'completionMask'>;

/** Σ completion log-probs of each row under `model` (with grad where the caller allows it). */
function completionLogps(model: PretrainedCausalLm, rows: Rows): Tensor {
  return causalLmSequenceLogprobs(model, { inputIds: rows.inputIds, attentionMask: rows.attentionMask }, rows.completionMask).logps;
}

/** The reference's log-probs of the rows, without grad; its activations are freed here. */
function referenceLogps(reference: Exclude<ReferencePolicy, null | 'precomputed'>, policy: PretrainedCausalLm, rows: Rows): Tensor {
  return tidy(() => withReference(reference, policy, (ref) => completionLogps(ref, rows).detach()));
}

/**
 * The KTO algorithm (Ethayarajh et al. 2024, eq. 7), as TRL: per example the summed completion
 * log-ratio r = log πθ − log π_ref; for loss_type kto the reference point z0 = max(0, mean over
 * the micro-batch of the same log-ratio on (prompt_i, completion_{i−1})), detached; loss
 * λ_D(1 − σ(β(r − z0))) for desirable, λ_U(1 − σ(β(z0 − r))) for undesirable examples. Units are
 * examples: `loss` = Σ losses, so a step's loss is TRL's mean. Metrics as TRL KTOTrainer logs them:
 * kl (z0), rewards/chosen, rewards/rejected (mean β·r of the desirable / undesirable examples),
 * rewards/margins, logps/chosen, logps/rejected, plus count/chosen and count/rejected (examples of
 * each label in the step). TRL's logits/* and entropy are not logged: the fused head never makes the logits.
 */
export function ktoAlgorithm(model: PretrainedCausalLm, options: KtoAlgorithmOptions): Algorithm<UnpairedPreferenceExample> {
  const { reference: chosenReference, padTokenId, maxLength, gatherMean, ...lossOptions } = options;
  const reference = freezeReference(chosenReference);
  const lossType = lossOptions.lossType ?? 'kto';
  const estimatesKl = KTO_KL_LOSS_TYPES.includes(lossType);
  if (estimatesKl && reference === 'precomputed') {
    throw new Error(`kto: loss_type ${lossType} pairs prompts with other examples' completions of each micro-batch, so its reference log-probs cannot be precomputed; use a reference model`);
  }
  const beta = lossOptions.beta ?? 0.1;
  return {
    name: 'kto',
    model,
    loss(examples) {
      const B = examples.length;
      let z0 = 0;
      if (estimatesKl) {
        // TRL runs the policy's KL forward without grad too: z0 is detached.
        const kl = collatePromptCompletions(mismatchedCompletions(examples, maxLength), { padTokenId });
        const policyKl = tidy(() => noGrad(() => completionLogps(model, kl)));
        const refKl = referenceLogps(reference as Exclude<ReferencePolicy, null | 'precomputed'>, model, kl);
        z0 = ktoReferencePoint(policyKl, refKl, model.training && gatherMean !== undefined ? gatherMean : undefined);
      }
      const batch = collatePromptCompletions(examples.map((e) => [e.promptIds, e.completionIds]), { padTokenId });
      const policy = completionLogps(model, batch); // (B,) with grad
      const ref = reference === 'precomputed' ? precomputedLogps(examples, policy) : referenceLogps(reference, model, batch);
      const desirable = examples.map((e) => e.label);
      const out = ktoLoss({ policyLogps: policy, refLogps: ref, desirable, z0 }, { ...lossOptions, beta });
      const chosen = tensor(desirable.map((d) => (d ? 1 : 0)), { dtype: 'float64', device: policy.device as Device });
      const rejected = chosen.rsub(1);
      const logps = policy.detach().to('float64');
      const rewards = out.rewards.to('float64');
      const sums = stack([rewards.mul(chosen).sum(), rewards.mul(rejected).sum(), logps.mul(chosen).sum(), logps.mul(rejected).sum()]).toArray() as number[];
      const nChosen = desirable.filter(Boolean).length;
      return {
        loss: out.losses.sum(),
        numTokens: B,
        tokens: batch.attentionMask.sum().item(),
        metrics: {
          kl: z0 * B,
          'rewards/chosen_sum': sums[0] as number,
          'rewards/rejected_sum': sums[1] as number,
          'logps/chosen_sum': sums[2] as number,
          'logps/rejected_sum': sums[3] as number,
          'count/chosen': nChosen,
          'count/rejected': B - nChosen,
        },
      };
    },
    summarize: (averaged, { units }) => ktoMetrics(averaged, units),
  };
}

/** The examples' precomputed reference log-probs, shaped and typed like `like`. */
function precomputedLogps(examples: readonly UnpairedPreferenceExample[], like: Tensor): Tensor {
  const missing = examples.findIndex((e) => e.refLogps === undefined);
  if (missing >= 0) throw new Error(`kto: example ${missing} of the batch has no precomputed reference log-prob (run precomputeKtoReferenceLogps first)`);
  return tensor(examples.map((e) => e.refLogps as number), { dtype: like.dtype, device: like.device as Device });
}

/** TRL's metric names for desirable (chosen) and undesirable (rejected) examples. */
const LABEL_NAMES = ['chosen', 'rejected'] as const;

/**
 * TRL's logged means from the step's per-example averages: rewards/chosen = Σ desirable rewards /
 * desirable examples (absent when there are none, as TRL), rewards/margins when both labels occur,
 * kl as averaged, and the step's counts.
 */
export function ktoMetrics(averaged: Record<string, number>, units: number): Record<string, number> {
  const out: Record<string, number> = { kl: averaged['kl'] ?? 0 };
  for (const label of LABEL_NAMES) {
    const share = averaged[`count/${label}`] ?? 0;
    if (share > 0) {
      out[`rewards/${label}`] = (averaged[`rewards/${label}_sum`] ?? 0) / share;
      out[`logps/${label}`] = (averaged[`logps/${label}_sum`] ?? 0) / share;
    }
    out[`count/${label}`] = Math.round(share * units);
  }
  if (out['rewards/chosen'] !== undefined && out['rewards/rejected'] !== undefined) out['rewards/margins'] = out['rewards/chosen'] - out['rewards/rejected'];
  return out;
}

/**
 * Scores every example's completion once with the reference (eval mode, no grad) and stores the
 * log-prob on the example, so training needs no reference model in memory (apo_zero_unpaired).
 */
export function precomputeKtoReferenceLogps(reference: PretrainedCausalLm, examples: UnpairedPreferenceExample[], padTokenId: number, batchSize = 8): void {
  const logps = scoreCompletionLogps(reference, examples.map((e) => [e.promptIds, e.completionIds]), padTokenId, batchSize);
  examples.forEach((e, j) => (e.refLogps = logps[j] as number));
}

/**
 * TRL's check of the label balance (KTO paper eq. 8): with unequal numbers of desirable (n_D) and
 * undesirable (n_U) examples, λ_D·n_D / (λ_U·n_U) should lie in [1, 4/3]. Null when either weight
 * is in its range; otherwise the ranges, as TRL's warning gives them (rounded to 2 decimals).
 */
export function ktoWeightAdvice(labels: readonly boolean[], desirableWeight: number, undesirableWeight: number): string | null {
  const nD = Math.max(labels.filter(Boolean).length, 1);
  const nU = Math.max(labels.length - nD, 1);
  if (nD === nU) return null;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const d: [number, number] = [round2((nU * undesirableWeight) / nD), round2(((nU * undesirableWeight) / nD) * 1.33)];
  const u: [number, number] = [round2((nD * desirableWeight) / nU / 1.33), round2((nD * desirableWeight) / nU)];
  const inRange = (w: number, [lo, hi]: [number, number]) => lo <= w && w <= hi;
  if (inRange(desirableWeight, d) || inRange(undesirableWeight, u)) return null;
  return (
    `kto: ${nD} desirable and ${nU} undesirable training examples, but kto.desirable_weight (${desirableWeight}) and kto.undesirable_weight (${undesirableWeight}) ` +
    `do not balance them (KTO paper eq. 8); set EITHER kto.desirable_weight in [${d[0]}, ${d[1]}] OR kto.undesirable_weight in [${u[0]}, ${u[1]}] (not both)`
  );
}

/** The data-parallel mean of a number over this process's group (itself alone when none). */
function groupMean(): ((localMean: number) => number) | undefined {
  const group = currentGroup();
  if (group === null || group.worldSize === 1) return undefined;
  return (m) => (group.allReduceNumbers([m], 'sum')[0] as number) / group.worldSize;
}

/**
 * Loads the policy, its reference (kto.ref_model_path, else the starting model: with lora.enabled
 * the base with adapters disabled, otherwise a frozen second copy), the tokenizer and the unpaired
 * examples, and trains. With kto.precompute_ref_log_probs the reference scores every example once
 * and is freed before training.
 */
async function runKtoOnDevice(config: RunConfig, options: RunOptions<UnpairedPreferenceExample> = {}): Promise<TrainResult> {
  const k = config.kto;
  const gatherMean = groupMean();
  if (gatherMean !== undefined && KTO_KL_LOSS_TYPES.includes(k.loss_type) && config.training.per_device_train_batch_size === 'auto') {
    throw new Error(
      `kto: training.per_device_train_batch_size is auto, but data-parallel kto.loss_type ${k.loss_type} averages each micro-batch's KL estimate across ranks inside the loss, which the batch-size probe (run by each rank on its own) cannot do; set a number`,
    );
  }
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const padTokenId = padIdOf(tokenizer);
  const train = await loadUnpairedPreferences(run.config, tokenizer, 'train');
  if (train.length === 0) throw new Error('kto: no unpaired preference examples to train on');
  const advice = ktoWeightAdvice(train.map((e) => e.label), k.desirable_weight, k.undesirable_weight);
  if (advice !== null && (currentGroup()?.rank ?? 0) === 0) process.stderr.write(`warning: ${advice}\n`);
  const validation = await loadUnpairedPreferences(run.config, tokenizer, 'validation');
  const { model, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  let reference = loadReferencePolicy({ needed: true, modelPath: run.modelDir, refModelPath: k.ref_model_path, dtype: run.dtype, loraApplied: lora !== null }) as Exclude<ReferencePolicy, null>;
  if (k.precompute_ref_log_probs) {
    const ref = reference;
    for (const examples of [train, validation]) {
      withReference(ref, model, (m) => precomputeKtoReferenceLogps(m, examples, padTokenId, startingBatchSize(config.training, 'per_device_eval_batch_size')));
    }
    releaseReference(ref);
    reference = 'precomputed';
  }
  const algorithm = ktoAlgorithm(model, {
    reference,
    padTokenId,
    maxLength: config.data.max_length,
    beta: k.beta,
    lossType: k.loss_type,
    desirableWeight: k.desirable_weight,
    undesirableWeight: k.undesirable_weight,
    ...(gatherMean === undefined ? {} : { gatherMean }),
  });
  return trainAlgorithm(algorithm, run.config, { train, validation }, options);
}

/** KTO on training.device (models, batches and optimizer state there). */
export const runKto = onTrainingDevice(runKtoOnDevice);
