/**
 * `eval_report.md`: what was evaluated and how, the metrics (one table per model, or one
 * comparison table with a column per checkpoint and the change from first to last), and N
 * sample generations with prompt, reference and each model's output.
 *
 * ```ts
 * writeFileSync('eval_report.md', renderEvalReport(results, { numSamples: 5 }));
 * ```
 */
import { comparisonTable, type EvalResults, type ModelEvaluation } from './results.js';

/** Values in tables: integers as they are, others with 4 decimals; missing as a dash. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return value.toFixed(4);
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
const columnTitle = (m: Pick<ModelEvaluation, 'name' | 'step'>): string => (m.step === null || m.name === `checkpoint-${m.step}` ? m.name : `${m.name} (step ${m.step})`);

/** A fenced block that survives backticks in the text. */
function fenced(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text === '' ? '(empty)' : text}\n${fence}`;
}

function settingsLines(r: EvalResults): string[] {
  const s = r.settings;
  const lines = [
    `- config: ${r.config === null ? '(in memory)' : `\`${r.config}\``}, ${r.createdAt}`,
    `- model kind: ${s.modelRole.replace('_', ' ')}; tasks: ${r.tasks.join(', ')}`,
  ];
  for (const [task, files] of Object.entries(r.data)) lines.push(`- ${task} data: ${(files ?? []).map((f) => `\`${f}\``).join(', ')}`);
  if (r.tasks.includes('generation') || r.tasks.includes('reward')) {
    lines.push(`- generation: ${s.greedy ? 'greedy' : 'sampled'}, max_new_tokens ${s.maxNewTokens}, batch ${s.batchSize}${s.maxExamples === null ? '' : `, first ${s.maxExamples} examples`}`);
  }
  if (s.bleuTokenizer !== null) lines.push(`- BLEU tokenizer ${s.bleuTokenizer}; ROUGE-L tokens ${s.rougeTokenizer}; distinct-n tokens ${s.distinctTokenizer}`);
  if (s.rewardModel !== null) lines.push(`- reward model: \`${s.rewardModel}\``);
  if (s.beta !== null) lines.push(`- DPO implicit rewards: beta ${s.beta}, reference ${s.referenceModel === null ? 'none (reference-free)' : `\`${s.referenceModel}\``}`);
  return lines;
}

function metricsSection(r: EvalResults): string[] {
  const table = comparisonTable(r);
  if (r.models.length === 1) {
    const m = r.models[0] as ModelEvaluation;
    return [
      `## Metrics: ${columnTitle(m)}`,
      '',
      `\`${m.path}\`, ${m.seconds.toFixed(1)} s`,
      '',
      row(['metric', 'value']),
      row(['---', '---:']),
      ...table.rows.map((t) => row([t.metric, formatMetric(t.values[0])])),
    ];
  }
  const change = (values: (number | null)[]): string => {
    const first = values[0];
    const last = values[values.length - 1];
    if (first === null || first === undefined || last === null || last === undefined) return '–';
    const d = last - first;
    return `${d > 0 ? '+' : ''}${formatMetric(d)}`;
  };
  return [
    '## Comparison across checkpoints',
    '',
    row(['metric', ...r.models.map(columnTitle), 'change']),
    row(['---', ...r.models.map(() => '---:'), '---:']),
    ...table.rows.map((t) => row([t.metric, ...t.values.map(formatMetric), change(t.values)])),
    '',
    row(['model', 'step', 'path', 'seconds']),
    row(['---', '---:', '---', '---:']),
    ...r.models.map((m) => row([m.name, m.step === null ? '–' : String(m.step), `\`${m.path}\``, m.seconds.toFixed(1)])),
  ];
}

function samplesSection(r: EvalResults, numSamples: number): string[] {
  const withRows = r.models.filter((m) => m.generations.length > 0);
  const first = withRows[0];
  if (first === undefined || numSamples === 0) return [];
  const n = Math.min(numSamples, first.generations.length);
  const out = ['## Sample generations', '', `The first ${n} of ${first.generations.length} prompts.`];
  for (let i = 0; i < n; i++) {
    const g = first.generations[i];
    if (g === undefined) break;
    out.push('', `### ${i + 1}`, '', '**Prompt**', '', fenced(g.prompt));
    if (g.reference !== null) out.push('', '**Reference**', '', fenced(g.reference));
    for (const m of withRows) {
      const mine = m.generations[i];
      if (mine === undefined) continue;
      const reward = mine.reward === undefined ? '' : ` (reward ${formatMetric(mine.reward)})`;
      out.push('', `**${columnTitle(m)}**${reward}`, '', fenced(mine.output));
    }
  }
  return out;
}

/** The Markdown report of an evaluation. */
export function renderEvalReport(results: EvalResults, options: { numSamples?: number } = {}): string {
  const lines = ['# Evaluation report', '', ...settingsLines(results), '', ...metricsSection(results)];
  const samples = samplesSection(results, options.numSamples ?? 5);
  if (samples.length > 0) lines.push('', ...samples);
  return `${lines.join('\n')}\n`;
}
