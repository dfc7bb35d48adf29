/** Datasets: typed records, validators per format, readers, converters, collators and data tools. */
export * from './records.js';
export { DataError } from './errors.js';
export { loadDataset } from './load.js';
export type { LoadOptions, LoadResult, OnError, SkippedRow } from './load.js';
export * from './formats/index.js';
export * from './readers/index.js';
export * from './converters/index.js';
export * from './collate/index.js';
export { splitRecords } from './tools/split.js';
export type { SplitOptions } from './tools/split.js';
export { mergeRecords, MERGE_STRATEGIES } from './tools/merge.js';
export type { MergeStrategy, MergeSource, MergeOptions } from './tools/merge.js';
export { synthesizePreferences } from './tools/synth-preference.js';
export { writeSampleData } from './sample/generate.js';
export type { SampleDataOptions } from './sample/generate.js';
export { allProblems, answerOf, answerWithoutCarry, arithmeticTask, needsCarry, parseArithmeticPrompt, promptOf, solveArithmetic, writeArithmeticTask, wrongAnswerOf } from './sample/arithmetic.js';
export type { ArithmeticOp, ArithmeticProblem, ArithmeticTaskOptions } from './sample/arithmetic.js';
export * from './datasets/index.js';
