/**
 * What each algorithm reads, from a run config: the files of `data.datasets.<kind>` (and
 * `data.dataset_path`) for a split, loaded and tokenized as that algorithm trains on them.
 * Trainers and `rlhf eval` both read their data through these functions.
 *
 * ```ts
 * const train = await loadSftExamples(config, tokenizer, 'train');
 * const pairs = await loadRewardExamples(config, tokenizer, 'validation');
 * ```
 */
export { datasetFiles, tokenizeOptions } from './files.js';
export type { Split } from './files.js';
export { loadSftExamples } from './sft.js';
export { loadRewardExamples } from './preference.js';
export { loadUnpairedPreferences } from './unpaired-preference.js';
export { loadPrompts } from './prompts.js';
export { loadTextBlocks, textCorpusFiles } from './text.js';
export type { CacheGroup, TextEncoding } from './text.js';
export type { OnlinePrompt } from './prompts.js';
export { prmMode, loadStepwise, loadLatent } from './prm.js';
export { loadTeacherStudent } from './teacher-student.js';
export { attachStudents } from './critic-students.js';
export type { CriticPair } from './critic-students.js';
