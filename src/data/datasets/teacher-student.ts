/** The teacher/student records a critic run names, tokenized (students missing from the records are generated later). */
import type { RunConfig } from '../../config/index.js';
import type { Tokenizer } from '../../tokenizers/index.js';
import { tokenizeTeacherStudent, type TeacherStudentExample } from '../collate/index.js';
import { loadDataset } from '../load.js';
import { datasetFiles, tokenizeOptions, type Split } from './files.js';

/** The tokenized teacher/student examples of the config's files of `split` (students attached later). */
export async function loadTeacherStudent(config: RunConfig, tokenizer: Tokenizer, split: Split): Promise<TeacherStudentExample[]> {
  const opts = tokenizeOptions(config, tokenizer);
  const out: TeacherStudentExample[] = [];
  for (const path of datasetFiles(config, 'teacher_student', split)) {
    const { records } = await loadDataset(path, { format: 'teacher_student', onError: config.data.on_error });
    for (const r of records) out.push(tokenizeTeacherStudent(tokenizer, r, opts));
  }
  return out;
}
