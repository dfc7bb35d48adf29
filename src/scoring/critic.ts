/**
 * How a critic scores a response and compares teacher with student: ONE function used by the
 * training loss, by evaluation and by `rlhf eval`, so their accuracies are comparable.
 */
import { collateCompletions, type TokenizedExample } from '../data/index.js';
import type { SequenceScoreModel } from '../models/index.js';
import type { Tensor } from '../tensor/index.js';

/**
 * Per-row response mask: completion tokens before the first EOS (the EOS itself and anything
 * after it, such as a template's trailing newline, are not scored). Built from the collator's
 * explicit completion mask, never from the pad id.
 */
export function responseMask(inputIds: Tensor, completionMask: Tensor, eosTokenIds: readonly number[]): Tensor {
  let isEos = inputIds.mul(0).gt(0);
  for (const id of eosTokenIds) isEos = isEos.logicalOr(inputIds.eq(id));
  const eosInCompletion = isEos.logicalAnd(completionMask.gt(0)).to('int64');
  // cumsum > 0 marks the first EOS of the completion and everything after it.
  const afterEos = eosInCompletion.cumsum(1).gt(0);
  return completionMask.gt(0).logicalAnd(afterEos.logicalNot()).to('float32');
}

/** Sequence scores (rows,): the mean per-token value of the critic over each row's response tokens. */
export function sequenceScores(critic: SequenceScoreModel, rows: readonly TokenizedExample[], padTokenId: number, eosTokenIds: readonly number[]): { scores: Tensor; lengths: Tensor } {
  const batch = collateCompletions(rows, { padTokenId });
  const { hiddenStates } = critic.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask });
  const values = critic.score.forward(hiddenStates).select(-1, 0); // (rows, T): one value per token
  const mask = responseMask(batch.inputIds, batch.completionMask, eosTokenIds);
  const lengths = mask.sum({ dim: 1 });
  return { scores: values.mul(mask).sum({ dim: 1 }).div(lengths.clamp(1)), lengths };
}

export interface TeacherStudentComparison {
  /** (B,) s_teacher − s_student. */
  diff: Tensor;
  teacher: Tensor;
  student: Tensor;
  teacherLengths: Tensor;
  studentLengths: Tensor;
}

/**
 * Scores B teacher and B student responses in one forward pass; `teacherFirst` picks the row
 * order (training randomises it so no position is favoured).
 */
export function compareTeacherStudent(
  critic: SequenceScoreModel,
  pairs: readonly { teacher: TokenizedExample; student: TokenizedExample }[],
  options: { padTokenId: number; eosTokenIds: readonly number[]; teacherFirst?: boolean },
): TeacherStudentComparison {
  const B = pairs.length;
  const teacherFirst = options.teacherFirst ?? true;
  const teachers = pairs.map((p) => p.teacher);
  const students = pairs.map((p) => p.student);
  const { scores, lengths } = sequenceScores(critic, teacherFirst ? [...teachers, ...students] : [...students, ...teachers], options.padTokenId, options.eosTokenIds);
  const [t, s] = teacherFirst ? [0, B] : [B, 0];
  const teacher = scores.slice(0, t, t + B);
  const student = scores.slice(0, s, s + B);
  return { diff: teacher.sub(student), teacher, student, teacherLengths: lengths.slice(0, t, t + B), studentLengths: lengths.slice(0, s, s + B) };
}
