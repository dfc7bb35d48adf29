/**
 * Student responses for critic warm-up: taken from the records, or written by the frozen actor
 * (batched sampling with the KV cache, under the `generation:` settings).
 */
import type { GenerationConfig as GenerationSection } from '../../config/index.js';
import type { TeacherStudentExample, TokenizedExample } from '../collate/index.js';
import { generate, generationSettings } from '../../generation/index.js';
import type { PretrainedCausalLm } from '../../models/index.js';
import { noGrad, tidy } from '../../tensor/index.js';

/** A teacher response and a student response to the same prompt: what a critic learns to tell apart. */
export interface CriticPair {
  teacher: TokenizedExample;
  student: TokenizedExample;
}

/**
 * Completes the examples that need a student: those without one when `source` is 'auto', all
 * of them when 'generate'. The student shares the teacher's prompt ids; its completion is what
 * the actor generated (ending with EOS unless cut by max_new_tokens).
 */
export function attachStudents(
  examples: readonly TeacherStudentExample[],
  source: 'auto' | 'data' | 'generate',
  actor: () => PretrainedCausalLm,
  options: { generation: GenerationSection; seed: number; batchSize: number; padTokenId: number; onBatch?: (done: number, total: number) => void },
): CriticPair[] {
  const missing = examples.map((e, i) => [e, i] as const).filter(([e]) => source === 'generate' || e.student === undefined);
  if (source === 'data' && missing.length > 0) {
    throw new Error(`critic.student_source is data, but ${missing.length} records have no student_response (first: record ${(missing[0]?.[1] ?? 0) + 1}); set critic.student_source: auto to generate them`);
  }
  const students = new Map<number, TokenizedExample>();
  if (missing.length > 0) {
    const model = actor();
    model.eval();
    const settings = { ...generationSettings(options.generation, options.seed), padTokenId: options.padTokenId };
    for (let i = 0; i < missing.length; i += options.batchSize) {
      const chunk = missing.slice(i, i + options.batchSize);
      const prompts = chunk.map(([e]) => e.teacher.inputIds.slice(0, e.teacher.promptLength));
      const results = tidy(() => noGrad(() => generate(model, prompts, { ...settings, seed: options.seed + i })));
      chunk.forEach(([, index], j) => {
        const prompt = prompts[j] as number[];
        const completion = results[j]?.tokenIds ?? [];
        students.set(index, {
          inputIds: [...prompt, ...completion],
          completionMask: [...prompt.map(() => 0), ...completion.map(() => 1)],
          labels: [...prompt.map(() => -100), ...completion],
          promptLength: prompt.length,
          truncated: false,
        });
      });
      options.onBatch?.(Math.min(i + options.batchSize, missing.length), missing.length);
    }
  }
  return examples.map((e, i) => ({ teacher: e.teacher, student: students.get(i) ?? (e.student as TokenizedExample) }))
    .filter((p) => p.student.completionMask.some((m) => m === 1) && p.teacher.completionMask.some((m) => m === 1));
}
