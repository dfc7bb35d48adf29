/**
 * GKD compares the teacher's and the student's full next-token distributions, so both must
 * index the same vocabulary: the same vocab_size (the logits' width) and, where the teacher
 * directory has a tokenizer.json, the same tokens under the same ids. Checked from the files,
 * before either model loads.
 *
 * ```ts
 * checkSharedVocabulary({ modelDir, tokenizerDir }, teacherDir); // throws, naming the files that differ
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const HOW_TO_FIX =
  'GKD compares full next-token distributions token by token, so the teacher must use the student\'s tokenizer: pick a teacher of the student\'s model family ' +
  'with the same tokenizer.json and vocab_size (or distil from text the teacher generated, as SFT data, which needs no shared vocabulary)';

function vocabSizeOf(dir: string): number | null {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return null;
  const c = JSON.parse(readFileSync(path, 'utf8')) as { vocab_size?: number; text_config?: { vocab_size?: number } };
  return c.vocab_size ?? c.text_config?.vocab_size ?? null;
}

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number> | [string, number][]; merges?: unknown[] };
  added_tokens?: { id: number; content: string }[];
}

/** id -> token of a tokenizer.json (its model vocabulary and added tokens). */
function tokensById(t: TokenizerJson): Map<number, string> {
  const out = new Map<number, string>();
  const vocab = t.model?.vocab;
  if (Array.isArray(vocab)) vocab.forEach(([token], id) => out.set(id, token)); // Unigram: [token, score] by id
  else for (const [token, id] of Object.entries(vocab ?? {})) out.set(id, token);
  for (const a of t.added_tokens ?? []) out.set(a.id, a.content);
  return out;
}

/** What differs between two tokenizer.json files (null: the same tokens, ids and merges). */
function tokenizerDifference(student: TokenizerJson, teacher: TokenizerJson): string | null {
  if (student.model?.type !== teacher.model?.type) return `the tokenizer models differ (${student.model?.type} vs ${teacher.model?.type})`;
  const s = tokensById(student);
  const t = tokensById(teacher);
  if (s.size !== t.size) return `they hold ${s.size} and ${t.size} tokens`;
  for (const [id, token] of s) {
    if (t.get(id) !== token) return `token id ${id} is ${JSON.stringify(token)} for the student and ${JSON.stringify(t.get(id) ?? null)} for the teacher`;
  }
  if (JSON.stringify(student.model?.merges ?? []) !== JSON.stringify(teacher.model?.merges ?? [])) return 'their BPE merges differ (the same text would split into other tokens)';
  return null;
}

/**
 * Throws unless the teacher in `teacherDir` shares the student's vocabulary: config.json
 * vocab_size equal, and the teacher's tokenizer.json (when it has one) holding the student
 * tokenizer's tokens, ids and merges.
 */
export function checkSharedVocabulary(student: { modelDir: string; tokenizerDir: string }, teacherDir: string): void {
  const sv = vocabSizeOf(student.modelDir);
  const tv = vocabSizeOf(teacherDir);
  if (sv !== null && tv !== null && sv !== tv) {
    throw new Error(
      `gkd: the student (${join(student.modelDir, 'config.json')}) has vocab_size ${sv} but the teacher (gkd.teacher_model_name_or_path, ${join(teacherDir, 'config.json')}) has vocab_size ${tv}; ${HOW_TO_FIX}`,
    );
  }
  const teacherTokenizer = join(teacherDir, 'tokenizer.json');
  const studentTokenizer = join(student.tokenizerDir, 'tokenizer.json');
  if (!existsSync(teacherTokenizer) || !existsSync(studentTokenizer)) return;
  const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as TokenizerJson;
  const difference = tokenizerDifference(read(studentTokenizer), read(teacherTokenizer));
  if (difference !== null) {
    throw new Error(`gkd: the student's tokenizer (${studentTokenizer}) and the teacher's (gkd.teacher_model_name_or_path, ${teacherTokenizer}) differ: ${difference}; ${HOW_TO_FIX}`);
  }
}
