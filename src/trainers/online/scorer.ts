/**
 * Rewards of a rollout: the weighted reward functions plus, optionally, a reward model's score
 * read at each completion's last real token (the EOS).
 */
import type { SequenceScoreModel } from '../../models/index.js';
import { scoreWithFunctions, type NamedReward, type RewardInput } from '../../rewards/index.js';
import { noGrad, tidy } from '../../tensor/index.js';
import type { TextTokenizer } from '../../tokenizers/index.js';
import type { Rollout } from './rollout.js';

export interface RolloutScores {
  /** Per completion: Σ weight · function + rewardModelWeight · model score. */
  total: number[];
  /** Per source (function names, and 'reward_model'), the raw values. */
  perSource: Record<string, number[]>;
}

export class RolloutScorer {
  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly functions: readonly NamedReward[],
    private readonly rewardModel: SequenceScoreModel | null,
    private readonly rewardModelWeight = 1,
    /** An environment rewards the episodes itself: then functions and a reward model are optional. */
    private readonly withEnvironment = false,
  ) {
    if (functions.length === 0 && rewardModel === null && !withEnvironment) throw new Error('online RL needs rewards: set rewards.functions and/or a reward model (or an environment)');
  }

  /**
   * Episodes: reward functions see the final assistant turn as the completion, and the
   * environment's reward is added (per source 'environment').
   */
  async score(rollout: Rollout, references: readonly (string | undefined)[]): Promise<RolloutScores> {
    const inputs: RewardInput[] = rollout.completions.map((whole, i) => {
      const c = rollout.answers?.[i] ?? whole;
      return {
        prompt: this.tokenizer.decode(rollout.prompts[i] as number[], { skipSpecialTokens: true }),
        completion: this.tokenizer.decode(c, { skipSpecialTokens: true }),
        ...(references[i] === undefined ? {} : { reference: references[i] as string }),
        completionIds: c,
        truncated: rollout.truncated[i] as boolean,
      };
    });
    const scored = await scoreWithFunctions(this.functions, inputs);
    const total = [...scored.total];
    const perSource: Record<string, number[]> = { ...scored.perFunction };
    if (rollout.environmentRewards !== undefined) {
      perSource['environment'] = rollout.environmentRewards;
      rollout.environmentRewards.forEach((r, i) => { total[i] = (total[i] as number) + r; });
    }
    if (this.rewardModel !== null) {
      const rm = this.rewardModel;
      const b = rollout.batch;
      const scores = tidy(() => noGrad(() => rm.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask, positionIds: b.positionIds }).scores.select(-1, 0).toArray() as number[]));
      perSource['reward_model'] = scores;
      scores.forEach((s, i) => { total[i] = (total[i] as number) + this.rewardModelWeight * s; });
    }
    return { total, perSource };
  }
}
