/**
 * One line saying where a run stands, for the terminal and the report:
 * `running: step 12/20 (60%) | 0.52 s/step | eta 4s | last log 2s ago`.
 *
 * ```ts
 * console.log(runStatusLine(readRun('outputs/sft-tiny')));
 * ```
 */
import { formatDuration } from './progress.js';
import type { RunSnapshot } from './run-reader.js';

export function runStatusLine(run: RunSnapshot): string {
  const total = run.totalSteps;
  const parts = [`${run.status}: step ${run.currentStep}${total !== undefined ? `/${total} (${Math.min(100, Math.floor((100 * run.currentStep) / total))}%)` : ' (total unknown: pass --total-steps)'}`];
  if (run.secondsPerStep !== undefined) parts.push(`${run.secondsPerStep < 10 ? run.secondsPerStep.toFixed(2) : run.secondsPerStep.toFixed(0)} s/step`);
  if (run.status === 'running') {
    if (run.etaSeconds !== undefined) parts.push(`eta ${formatDuration(run.etaSeconds)}`);
    if (run.secondsSinceUpdate !== undefined) parts.push(`last log ${formatDuration(run.secondsSinceUpdate)} ago`);
  }
  if (run.error !== undefined) parts.push(run.error);
  return parts.join(' | ');
}
