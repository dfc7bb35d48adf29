/**
 * Reward-model training on preference pairs (TRL RewardTrainer semantics) on the shared loop.
 *
 * ```ts
 * const result = await runReward(loadConfig('examples/configs/reward.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { collatePreference, loadRewardExamples, padIdOf, type PreferenceExample } from '../../data/index.js';
import { SequenceScoreModel } from '../../models/index.js';
import { rewardModelLoss } from '../../rl/index.js';
import { noGrad, tensor, tidy } from '../../tensor/index.js';
import { type Algorithm, type TrainerOptions, type TrainResult } from '../loop/index.js';
import { trainAlgorithm } from '../loop/run.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';

export interface RewardAlgorithmOptions {
  /** Subtract each pair's `margin` (missing margins count as 0) inside the loss. Default false. */
  useMargin?: boolean;
  /** Weight of c · mean((r_w + r_l)²). Default 0. */
  centerRewardsCoefficient?: number;
}

/**
 * The reward algorithm: rows [chosen..., rejected...] right-padded, reward at the last real
 * token, Bradley-Terry loss. `loss` reports the SUM over pairs and numTokens = pairs, so the
 * loop averages over every pair of the accumulated step. Metrics (summed, divided by pairs
 * when logged, and as eval/<name> in evaluation): accuracy, margin, rewards/chosen, rewards/rejected.
 */
export function rewardAlgorithm(model: SequenceScoreModel, padTokenId: number, options: RewardAlgorithmOptions = {}): Algorithm<PreferenceExample> {
  return {
    name: 'reward',
    model,
    loss(examples) {
      const B = examples.length;
      const batch = collatePreference(examples, { padTokenId, paddingSide: 'right' });
      const { scores } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask }); // (2B, 1)
      const rewards = scores.select(-1, 0); // (2B,)
      const rc = rewards.slice(0, 0, B);
      const rr = rewards.slice(0, B, 2 * B);
      const margin = options.useMargin ? tensor(examples.map((e) => e.margin ?? 0), { dtype: 'float32' }) : undefined;
      const out = rewardModelLoss(rc, rr, {
        ...(margin === undefined ? {} : { margin }),
        centerRewardsCoefficient: options.centerRewardsCoefficient ?? 0,
      });
      const accuracy = out.metrics.accuracy.item();
      const meanMargin = out.metrics.margin.item();
      return {
        loss: out.loss.mul(B), // mean over pairs -> sum over pairs
        numTokens: B,
        tokens: batch.attentionMask.sum().item(),
        metrics: {
          accuracy: accuracy * B,
          margin: meanMargin * B,
          'rewards/chosen': rc.detach().sum().item(),
          'rewards/rejected': rr.detach().sum().item(),
        },
      };
    },
  };
}

/** Fraction of pairs whose chosen reward beats the rejected one (eval mode, no grad, batches of `batchSize`). */
export function rewardAccuracy(model: SequenceScoreModel, examples: readonly PreferenceExample[], padTokenId: number, batchSize = 8): number {
  if (examples.length === 0) return NaN;
  const algo = rewardAlgorithm(model, padTokenId);
  const wasTraining = model.training;
  model.eval();
  try {
    let correct = 0;
    for (let i = 0; i < examples.length; i += batchSize) {
      const batch = examples.slice(i, i + batchSize);
      correct += tidy(() => noGrad(() => algo.loss(batch).metrics?.['accuracy'] ?? 0));
    }
    return correct / examples.length;
  } finally {
    model.train(wasTraining);
  }
}

export interface RunRewardOptions extends Pick<TrainerOptions<PreferenceExample>, 'progress' | 'echo'> {
  resume?: string | null;
}

/** Prepares the run (tokenizer, pairs, resolved config, seed) with a reward model (a fresh score head on a causal LM), and trains. */
async function runRewardOnDevice(config: RunConfig, options: RunRewardOptions = {}): Promise<TrainResult> {
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const train = await loadRewardExamples(run.config, tokenizer, 'train');
  if (train.length === 0) throw new Error('reward: no preference pairs to train on');
  const validation = await loadRewardExamples(run.config, tokenizer, 'validation');
  const { model } = run.startModel((dir, load) => SequenceScoreModel.fromPretrained(dir, { pooling: 'last', dtype: load.dtype }));
  const algorithm = rewardAlgorithm(model, padIdOf(tokenizer), {
    useMargin: config.reward.use_margin,
    centerRewardsCoefficient: config.reward.center_rewards_coefficient,
  });
  return trainAlgorithm(algorithm, run.config, { train, validation }, options);
}

/** Reward on training.device (models, batches and optimizer state there). */
export const runReward = onTrainingDevice(runRewardOnDevice);
