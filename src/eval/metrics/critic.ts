/**
 * Critic warm-up metrics: how well a critic tells the teacher's response from the student's
 * for the same prompt. d_acc near 0.5 means it cannot tell them apart (the student is close to
 * the teacher, or the critic learned nothing); near 1 it separates them perfectly, which late in
 * warm-up often means it overfits. score_diff should shrink as the student catches up.
 *
 * The trainer logs them to metrics.jsonl as `critic/d_acc`, `critic/score_diff`,
 * `critic/teacher_score` and `critic/student_score` (CRITIC_METRIC_KEYS), which `rlhf monitor` charts and diagnoses.
 *
 * ```ts
 * criticMetrics([2.0, 1.5, 0.2], [1.0, 1.7, -0.5]);  // { dAcc: 0.667, scoreDiff: 0.5, teacherScore: 1.233, studentScore: 0.733, count: 3 }
 * ```
 */
import { checkPaired, mean } from './summary-stats.js';

export interface CriticMetrics {
  /** Discrimination accuracy: fraction of prompts where the teacher scores above the student. */
  dAcc: number;
  /** Mean of teacher − student score. */
  scoreDiff: number;
  /** Mean teacher score. */
  teacherScore: number;
  /** Mean student score. */
  studentScore: number;
  count: number;
}

/** The metrics.jsonl names of each critic metric. */
export const CRITIC_METRIC_KEYS = {
  dAcc: 'critic/d_acc',
  scoreDiff: 'critic/score_diff',
  teacherScore: 'critic/teacher_score',
  studentScore: 'critic/student_score',
} as const satisfies Record<Exclude<keyof CriticMetrics, 'count'>, string>;

/** Critic metrics from its scores of the teacher's and the student's response to each prompt. */
export function criticMetrics(teacherScores: readonly number[], studentScores: readonly number[]): CriticMetrics {
  checkPaired('criticMetrics', teacherScores, studentScores, ['teacher scores', 'student scores']);
  const diffs = teacherScores.map((t, i) => t - (studentScores[i] as number));
  return {
    dAcc: diffs.filter((d) => d > 0).length / diffs.length,
    scoreDiff: mean(diffs),
    teacherScore: mean(teacherScores),
    studentScore: mean(studentScores),
    count: diffs.length,
  };
}
