/**
 * The table `rlhf demo` prints: one row per stage with its steps, wall time (training and its
 * evaluation), greedy exact match on the held-out problems and the reward model's pair accuracy.
 *
 * ```
 * | stage              | steps | time   | held-out exact match | reward-model pair accuracy |
 * |--------------------|-------|--------|----------------------|----------------------------|
 * | SFT                |  1500 |  97 s  | 58.0% (116/200)      |                            |
 * ```
 */

/** A share and the counts behind it. */
export interface Counted {
  accuracy: number;
  correct: number;
  total: number;
}

/** One stage of the demo, as the table and demo_results.json show it. */
export interface DemoStageResult {
  stage: 'data' | 'sft' | 'reward' | 'ppo' | 'grpo';
  label: string;
  /** Optimizer steps taken; null for the data stage. */
  steps: number | null;
  /** Wall time of the stage, its evaluation included. */
  seconds: number;
  /** Where the stage wrote (a model directory, or the data folder). */
  dir: string;
  /** Greedy exact match of the policy on the held-out problems. */
  exactMatch?: Counted;
  /** Share of held-out pairs the reward model scores chosen above rejected. */
  pairAccuracy?: Counted;
  note?: string;
}

const HEADER = ['stage', 'steps', 'time', 'held-out exact match', 'reward-model pair accuracy'] as const;

const counted = (c: Counted | undefined) => (c === undefined ? '' : `${(100 * c.accuracy).toFixed(1)}% (${c.correct}/${c.total})`);
const time = (s: number) => (s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`);

/** A Markdown table, columns padded to line up in a terminal. */
export function demoTable(stages: readonly DemoStageResult[], totalSeconds: number): string {
  const rows = stages.map((s) => [s.label, s.steps === null ? '' : String(s.steps), time(s.seconds), counted(s.exactMatch), counted(s.pairAccuracy)]);
  rows.push(['total', '', time(totalSeconds), '', '']);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  return [line(HEADER), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
