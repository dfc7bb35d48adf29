/**
 * Teacher/student rows for critic warm-up: `{prompt, teacher_response, student_response?}`.
 *
 * ```ts
 * parseTeacherStudent({ prompt: 'Q', teacher_response: 'A' }, ctx);
 * // { kind: 'teacher_student', prompt: 'Q', teacherResponse: 'A' }
 * ```
 */
import type { TeacherStudentRecord } from '../records.js';
import { asObject, checkNotEmpty, optionalString, requireString, type ParseContext } from './fields.js';

export function parseTeacherStudent(value: unknown, ctx: ParseContext): TeacherStudentRecord {
  const row = asObject(ctx, value);
  const record: TeacherStudentRecord = {
    kind: 'teacher_student',
    prompt: checkNotEmpty(ctx, requireString(ctx, row, 'prompt'), 'prompt', 'prompt'),
    teacherResponse: checkNotEmpty(ctx, requireString(ctx, row, 'teacher_response'), 'teacher_response', 'response'),
  };
  const student = optionalString(ctx, row, 'student_response');
  if (student !== undefined) record.studentResponse = checkNotEmpty(ctx, student, 'student_response', 'response');
  return record;
}
