/**
 * `rlhf human-eval create|serve|analyze`: a blind pairwise comparison of two models by people.
 * create builds the task from two generation files, serve runs the annotation page, analyze
 * reports win rates and agreement. See docs/human-eval.md.
 */
import { parseArgs } from 'node:util';
import { analyzeTask } from '../human-eval/analyze.js';
import { createTask } from '../human-eval/create.js';
import { formatReport } from '../human-eval/report.js';
import { startServer } from '../human-eval/server.js';
import { promptPreview } from '../human-eval/task.js';

export const HUMAN_EVAL_USAGE = `rlhf human-eval <create|serve|analyze> ...
  create A.jsonl B.jsonl --out DIR [--model-a-name NAME] [--model-b-name NAME] [--seed 42]
      a blind task from two models' generations on the same prompts (fields prompt and
      response|completion|output, as \`rlhf generate --out\` writes); A/B order drawn per item
  serve DIR [--port 8080] [--host 127.0.0.1]
      the annotation page; judgments are appended to DIR/judgments.jsonl as they are made
  analyze DIR [--json]
      win rates with 95% Wilson intervals, tie and both-bad rates, per-annotator counts, agreement`;

export async function runHumanEval(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create':
      return runCreate(rest);
    case 'serve':
      return runServe(rest);
    case 'analyze':
      return runAnalyze(rest);
    default:
      throw new Error(`human-eval needs create, serve or analyze${sub === undefined ? '' : `, got '${sub}'`}\n${HUMAN_EVAL_USAGE}`);
  }
}

async function runCreate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, 'model-a-name': { type: 'string' }, 'model-b-name': { type: 'string' }, seed: { type: 'string' } },
  });
  const [fileA, fileB, extra] = positionals;
  if (fileA === undefined || fileB === undefined || extra !== undefined || !values.out) {
    throw new Error(`create needs two generation files and --out DIR\n${HUMAN_EVAL_USAGE}`);
  }
  const seed = integer('seed', values.seed, 42, 0, 2 ** 32 - 1);
  const { meta, paths } = await createTask({
    files: [fileA, fileB],
    out: values.out,
    names: [values['model-a-name'], values['model-b-name']],
    seed,
  });
  const [a, b] = meta.models;
  console.log(`human-eval create: ${meta.items} items from ${a} (${fileA}) and ${b} (${fileB}) -> ${values.out}; A/B order drawn per item with seed ${seed}`);
  for (const model of meta.models) {
    const missing = meta.unmatched[model] ?? [];
    if (missing.length === 0) continue;
    const other = model === a ? b : a;
    const shown = missing.slice(0, 3).map((p) => JSON.stringify(promptPreview(p, 50)));
    console.log(`human-eval create: ${missing.length} prompt(s) of ${model} have no reply from ${other} and were left out: ${shown.join(', ')}${missing.length > 3 ? ', ...' : ''} (all in task.json)`);
  }
  console.log(`  ${paths.items}  what annotators see (no model names)`);
  console.log(`  ${paths.key}  which model is A and B per item; keep it from annotators`);
  console.log(`next: rlhf human-eval serve ${values.out}`);
  return 0;
}

async function runServe(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' }, host: { type: 'string' } } });
  const [dir, extra] = positionals;
  if (dir === undefined || extra !== undefined) throw new Error(`serve needs one task folder\n${HUMAN_EVAL_USAGE}`);
  const server = await startServer({
    dir,
    port: integer('port', values.port, 8080, 0, 65535),
    host: values.host ?? '127.0.0.1',
    log: (line) => console.log(`human-eval: ${line}`),
  });
  const skipped = server.log.skipped;
  if (skipped.length > 0) console.log(`human-eval: ignoring ${skipped.length} broken line(s) of ${server.log.path} (first: line ${skipped[0]?.line}, ${skipped[0]?.reason})`);
  console.log(`human-eval: serving ${dir} (${server.task.items.length} items) at ${server.url}  (Ctrl-C to stop)`);
  console.log(`human-eval: judgments go to ${server.log.path}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  console.log('human-eval: stopped; every judgment is in the file');
  return 0;
}

function runAnalyze(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const [dir, extra] = positionals;
  if (dir === undefined || extra !== undefined) throw new Error(`analyze needs one task folder\n${HUMAN_EVAL_USAGE}`);
  const report = analyzeTask(dir);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return 0;
}

function integer(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag} expects an integer from ${min} to ${max}, got '${value}'`);
  return n;
}
