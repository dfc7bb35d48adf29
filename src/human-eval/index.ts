/**
 * Blind pairwise human evaluation of two models: `createTask` builds a task folder from their
 * generations, `startServer` serves the annotation page, `analyzeTask` turns judgments into win
 * rates and agreement. The CLI is `rlhf human-eval create|serve|analyze` (docs/human-eval.md).
 */
export { analyzeJudgments, analyzeTask, type HumanEvalReport, type ModelResult, type AgreementReport } from './analyze.js';
export { createTask, pairGenerations, type CreateTaskOptions } from './create.js';
export { readGenerations, type Generation } from './generations.js';
export { CHOICES, JudgmentLog, readJudgments, type Choice, type Judgment } from './judgments.js';
export { formatReport } from './report.js';
export { startServer, type AnnotatorState, type RunningServer, type ServeOptions } from './server.js';
export { cohensKappa, fleissKappa, pairwiseAgreement, wilsonInterval } from './stats.js';
export { readKey, readTask, taskPaths, type Task, type TaskItem, type TaskKey, type TaskMeta } from './task.js';
