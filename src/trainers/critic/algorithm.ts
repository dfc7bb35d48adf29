/**
 * Critic warm-up: the actor is frozen; the critic learns to score the teacher's response above
 * the actor's own (student) one, loss −log σ((s_teacher − s_student) / T).
 */
import type { CriticPair } from '../../data/index.js';
import type { SequenceScoreModel } from '../../models/index.js';
import { compareTeacherStudent } from '../../scoring/index.js';
import { rand } from '../../tensor/index.js';
import type { Algorithm } from '../loop/index.js';

export interface CriticAlgorithmOptions {
  padTokenId: number;
  eosTokenIds: readonly number[];
  /** Fixed T, or the start of the adaptive one. Default 1. */
  temperature?: number;
  /** T follows the running mean |s_teacher − s_student|, clamped to [min, max]. */
  adaptive?: { min: number; max: number; momentum: number } | null;
  /** Randomise teacher/student row order per forward pass (torch RNG, so resume repeats it). Default true. */
  randomizeOrder?: boolean;
}

/**
 * `loss` is SUMMED over pairs (numTokens = pairs). Metrics (averaged over pairs, in training
 * and evaluation alike): critic/d_acc (teacher scored above student), critic/score_diff,
 * critic/teacher_score, critic/student_score, critic/length_ratio, critic/temperature.
 */
export function criticAlgorithm(critic: SequenceScoreModel, options: CriticAlgorithmOptions): Algorithm<CriticPair> {
  let temperature = options.temperature ?? 1;
  let runningAbsDiff: number | null = null;
  const adaptive = options.adaptive ?? null;
  return {
    name: 'critic',
    model: critic,
    gradNormMetric: 'critic/grad_norm',
    loss(pairs) {
      const B = pairs.length;
      const teacherFirst = options.randomizeOrder === false || !critic.training ? true : rand([1]).item() < 0.5;
      const c = compareTeacherStudent(critic, pairs, { padTokenId: options.padTokenId, eosTokenIds: options.eosTokenIds, teacherFirst });
      const T = temperature;
      const loss = c.diff.div(T).logsigmoid().neg().sum();
      const diff = c.diff.detach();
      const meanAbsDiff = diff.abs().mean().item();
      if (critic.training && adaptive !== null) {
        runningAbsDiff = runningAbsDiff === null ? meanAbsDiff : adaptive.momentum * runningAbsDiff + (1 - adaptive.momentum) * meanAbsDiff;
        temperature = Math.min(adaptive.max, Math.max(adaptive.min, runningAbsDiff));
      }
      return {
        loss,
        numTokens: B,
        tokens: c.teacherLengths.sum().item() + c.studentLengths.sum().item(),
        metrics: {
          'critic/d_acc': diff.gt(0).sum().item(),
          'critic/score_diff': diff.sum().item(),
          'critic/teacher_score': c.teacher.detach().sum().item(),
          'critic/student_score': c.student.detach().sum().item(),
          'critic/length_ratio': c.teacherLengths.div(c.studentLengths.clamp(1)).sum().item(),
          'critic/temperature': T * B,
        },
      };
    },
    stateDict: () => ({ temperature, ...(runningAbsDiff === null ? {} : { runningAbsDiff }) }),
    loadStateDict(state) {
      temperature = state['temperature'] ?? temperature;
      runningAbsDiff = state['runningAbsDiff'] ?? null;
    },
  };
}
