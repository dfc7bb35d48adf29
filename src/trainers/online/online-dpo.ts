/**
 * Online DPO (TRL OnlineDPOTrainer semantics): each iteration samples two completions per prompt
 * from the current policy, scores them (reward model and/or functions, minus missing_eos_penalty),
 * keeps the better one as chosen, and takes one DPO step per batch of pairs against the reference
 * (the math: src/rl/online-dpo.ts). per_device_train_batch_size counts prompts (pairs).
 */
import { onlineDpoBetaAt } from '../../config/index.js';
import type { PretrainedCausalLm } from '../../models/index.js';
import { choosePairs, onlineDpoLoss, penalizeMissingEos, type OnlineDpoLossType } from '../../rl/index.js';
import { tensor, tidy, type Tensor } from '../../tensor/index.js';
import { freezeReference, withReference, type ReferencePolicy } from '../loop/reference.js';
import { completionLogps, rolloutOptions, sampleRollout, selectRows, sliceBatch, truncatePromptLeft, type RolloutBatch } from './rollout.js';
import type { RolloutScorer } from './scorer.js';
import type { OnlineAlgorithm, OnlinePrompt, OnlineRunSettings, RolloutBuffer } from './types.js';

export interface OnlineDpoAlgorithmOptions extends OnlineRunSettings {
  /** β, or one per epoch (the last for later epochs). */
  beta: number | readonly number[];
  lossType: OnlineDpoLossType;
  missingEosPenalty: number | null;
  /** Prompt + completion columns the forward passes see (TRL max_length: the prompt is cut on the left). */
  maxLength: number;
  /** Draws the completions (default sampleRollout); tests pass fixed ones, as TRL's tests patch generate. */
  sample?: typeof sampleRollout;
}

export interface OnlineDpoBuffer extends RolloutBuffer {
  /** Rows in pair order: row 2i is pair i's chosen completion, row 2i + 1 its rejected one. */
  batch: RolloutBatch;
  /** (2N,) Σ_t log π_ref of each row's completion. */
  refLogps: Tensor;
  /** Per row: the score that chose (after the EOS penalty), and whether the completion emitted EOS. */
  scores: number[];
  containsEos: boolean[];
  /** β of this iteration's epoch. */
  beta: number;
}

export function onlineDpoAlgorithm(policy: PretrainedCausalLm, reference: ReferencePolicy, scorer: RolloutScorer, o: OnlineDpoAlgorithmOptions): OnlineAlgorithm<OnlineDpoBuffer> {
  if (reference === null || reference === 'precomputed') throw new Error(`online_dpo: needs a reference model to run on each rollout, got ${String(reference)}`);
  freezeReference(reference);
  const sample = o.sample ?? sampleRollout;
  const n = o.microBatchSize;
  return {
    name: 'online_dpo',
    policy,
    promptsPerIteration: n * o.gradientAccumulationSteps,
    updatesPerIteration: 1,
    microBatchesPerUpdate: o.gradientAccumulationSteps,
    rewardMetric: 'objective/scores',
    async collect(prompts: readonly OnlinePrompt[], iteration, inPrecision, world, epoch): Promise<OnlineDpoBuffer> {
      // Two independent samples per prompt, adjacent (rows 2i, 2i + 1); every rank its own stream.
      const seed = o.seed + iteration * world.worldSize + world.rank;
      const rollout = inPrecision(() => sample(policy, prompts.map((p) => p.ids), { ...o.generation, numReturnSequences: 2, seed }, rolloutOptions(o)));
      const scored = await scorer.score(rollout, prompts.flatMap((p) => [p.reference, p.reference]));
      const containsEos = rollout.truncated.map((t) => !t);
      const scores = penalizeMissingEos(scored.total, containsEos, o.missingEosPenalty);
      const { chosen, rejected } = choosePairs(scores);
      const order = chosen.flatMap((c, i) => [c, rejected[i] as number]);
      return tidy(() => inPrecision(() => {
        const batch = truncatePromptLeft(selectRows(rollout.batch, tensor(order, { dtype: 'int64' })), o.maxLength);
        return {
          batch,
          refLogps: withReference(reference, policy, (ref) => completionLogps(ref, batch)).sum({ dim: 1 }),
          scores: order.map((i) => scores[i] as number),
          containsEos: order.map((i) => containsEos[i] as boolean),
          beta: onlineDpoBetaAt(o.beta, epoch),
          metrics: {},
        };
      }));
    },
    loss(buffer, _update, micro) {
      const start = 2 * micro * n;
      const end = start + 2 * n;
      const pairs = (t: Tensor) => t.reshape(n, 2); // (n, 2): chosen, rejected
      const policyLogps = pairs(completionLogps(policy, sliceBatch(buffer.batch, start, end)).sum({ dim: 1 }));
      const refLogps = pairs(buffer.refLogps.slice(0, start, end));
      const scores = pairs(tensor(buffer.scores.slice(start, end), { dtype: 'float32' }));
      const out = onlineDpoLoss(
        {
          policyChosenLogps: policyLogps.select(1, 0),
          policyRejectedLogps: policyLogps.select(1, 1),
          refChosenLogps: refLogps.select(1, 0),
          refRejectedLogps: refLogps.select(1, 1),
          chosenScores: scores.select(1, 0),
          rejectedScores: scores.select(1, 1),
        },
        { beta: buffer.beta, lossType: o.lossType },
      );
      const eos = buffer.containsEos.slice(start, end);
      const metrics: Record<string, number> = Object.fromEntries(Object.entries(out.metrics).map(([k, v]) => [k, v.item()]));
      metrics['val/contain_eos_token'] = eos.filter(Boolean).length / eos.length;
      metrics['beta'] = buffer.beta;
      // TRL's training_step loss is the mean over the micro-batch's pairs; the micro-batches of a step add up to their mean.
      return { loss: out.loss.div(o.gradientAccumulationSteps), metrics };
    },
  };
}
