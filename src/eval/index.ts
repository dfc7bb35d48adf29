/**
 * Evaluation: automatic metrics (src/eval/metrics) and `rlhf eval` as a library — evaluate a
 * model or a run's checkpoints on generation, perplexity, reward, preference, PRM and critic
 * tasks, and write eval_results.json and a Markdown report. See docs/evaluation.md.
 */
export * from './metrics/index.js';
export { evaluateCheckpoints, evaluateModel, writeEvalOutputs } from './run-eval.js';
export type { EvaluateOptions } from './run-eval.js';
export { evalOutputDir, planEvaluation, resolveModelDirs, stepOf } from './plan.js';
export type { EvalPlan, ModelDir } from './plan.js';
export { comparisonTable, generationLine, resultsJson } from './results.js';
export type { ComparisonTable, EvalResults, EvalSettings, ModelEvaluation } from './results.js';
export { renderEvalReport } from './report.js';
export { generationMetrics, textTokenization } from './tasks.js';
export type { GenerationRow, Metrics, TextTokenization } from './tasks.js';
export { EvalInputError, kindOfRow, recordKindOf, taskKinds, taskSources } from './eval-data.js';
export type { EvalPrompt, EvalProblem, EvalSource } from './eval-data.js';
