/**
 * `rlhf data <tool>`: sample, validate, split, merge and synth-preference over JSON, JSONL and
 * Parquet files. Outputs are JSONL.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRows } from '../data/readers/index.js';
import { writeArithmeticTask } from '../data/sample/arithmetic.js';
import { writeCalculatorTask } from '../data/sample/calculator.js';
import { writeSampleData } from '../data/sample/generate.js';
import { MERGE_STRATEGIES, mergeRecords, type MergeStrategy } from '../data/tools/merge.js';
import { splitRecords } from '../data/tools/split.js';
import { synthesizePreferences, type SftLike } from '../data/tools/synth-preference.js';
import { runValidate, VALIDATE_USAGE } from './data-validate.js';

export const DATA_USAGE = `rlhf data <tool> ...
  sample [--out DIR (data/sample)] [--sft N] [--preference N] [--eval N] [--seed N]
  sample --task arithmetic [--out DIR (data/arithmetic)] [--sft N] [--prompts N] [--eval N] [--pairs N] [--pairs-val N] [--max-operand N] [--carry-error-rate X] [--seed N]
  sample --task calculator [--out DIR (data/calculator)] [--sft N] [--prompts N] [--eval N] [--tool-rate X] [--seed N]
  ${VALIDATE_USAGE}
  split FILE [--train-ratio 0.8] [--shuffle] [--seed 42] [--out-dir DIR]
  merge FILE[:WEIGHT] ... --out FILE [--strategy concat|weighted_sampling|balanced] [--size N] [--shuffle] [--seed 42]
  synth-preference FILE --out FILE [--seed 42]`;

async function readAll(file: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const row of readRows(file)) rows.push(row.value);
  return rows;
}

function writeJsonl(path: string, rows: readonly unknown[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}

const num = (flag: string, v: string | undefined, fallback: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${flag} expects a number, got '${v}'`);
  return n;
};

const SAMPLE_TASKS = ['general', 'arithmetic', 'calculator'] as const;

/** `data sample`: the built-in Q&A sets (`--task general`, the default), the arithmetic task or the calculator (tool-use) task. */
function runSample(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      task: { type: 'string' },
      out: { type: 'string' },
      sft: { type: 'string' },
      preference: { type: 'string' },
      prompts: { type: 'string' },
      eval: { type: 'string' },
      pairs: { type: 'string' },
      'pairs-val': { type: 'string' },
      'max-operand': { type: 'string' },
      'carry-error-rate': { type: 'string' },
      'tool-rate': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const task = values.task ?? 'general';
  if (!(SAMPLE_TASKS as readonly string[]).includes(task)) throw new Error(`--task must be one of ${SAMPLE_TASKS.join(', ')}, got '${task}'`);
  const onlyFor = (flags: readonly (keyof typeof values)[], which: string) => {
    const given = flags.filter((f) => values[f] !== undefined);
    if (given.length > 0) throw new Error(`${given.map((f) => `--${f}`).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} only to --task ${which}`);
  };
  let written: Record<string, { path: string; count: number }>;
  if (task === 'calculator') {
    onlyFor(['preference'], 'general');
    onlyFor(['pairs', 'pairs-val', 'max-operand', 'carry-error-rate'], 'arithmetic');
    written = writeCalculatorTask(values.out ?? 'data/calculator', {
      sft: num('sft', values.sft, 4000),
      prompts: num('prompts', values.prompts, 1000),
      eval: num('eval', values.eval, 200),
      toolRate: num('tool-rate', values['tool-rate'], 0.3),
      seed: num('seed', values.seed, 0),
    });
  } else if (task === 'arithmetic') {
    onlyFor(['preference'], 'general');
    onlyFor(['tool-rate'], 'calculator');
    written = writeArithmeticTask(values.out ?? 'data/arithmetic', {
      sft: num('sft', values.sft, 4000),
      prompts: num('prompts', values.prompts, 1000),
      eval: num('eval', values.eval, 200),
      pairs: num('pairs', values.pairs, 2000),
      pairsVal: num('pairs-val', values['pairs-val'], 200),
      maxOperand: num('max-operand', values['max-operand'], 99),
      carryErrorRate: num('carry-error-rate', values['carry-error-rate'], 0.6),
      seed: num('seed', values.seed, 0),
    });
  } else {
    onlyFor(['prompts', 'pairs', 'pairs-val', 'max-operand', 'carry-error-rate'], 'arithmetic');
    onlyFor(['tool-rate'], 'calculator');
    written = writeSampleData(values.out ?? 'data/sample', {
      sft: num('sft', values.sft, 200),
      preference: num('preference', values.preference, 100),
      eval: num('eval', values.eval, 40),
      seed: num('seed', values.seed, 0),
    });
  }
  for (const [name, { path, count }] of Object.entries(written)) console.log(`data sample: ${count} ${name} records -> ${path}`);
  return 0;
}

export async function runData(args: string[]): Promise<number> {
  const [tool, ...rest] = args;
  switch (tool) {
    case 'sample':
      return runSample(rest);
    case 'validate':
      return runValidate(rest);
    case 'split': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { 'train-ratio': { type: 'string' }, shuffle: { type: 'boolean' }, seed: { type: 'string' }, 'out-dir': { type: 'string' } },
      });
      const file = positionals[0];
      if (!file) throw new Error(`split needs a FILE\n${DATA_USAGE}`);
      const { train, validation } = splitRecords(await readAll(file), {
        trainRatio: num('train-ratio', values['train-ratio'], 0.8),
        shuffle: values.shuffle === true,
        seed: num('seed', values.seed, 42),
      });
      const stem = basename(file, extname(file));
      const dir = values['out-dir'] ?? dirname(file);
      writeJsonl(join(dir, `${stem}.train.jsonl`), train);
      writeJsonl(join(dir, `${stem}.validation.jsonl`), validation);
      console.log(`data split: ${train.length} train -> ${join(dir, `${stem}.train.jsonl`)}, ${validation.length} validation -> ${join(dir, `${stem}.validation.jsonl`)}`);
      return 0;
    }
    case 'merge': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { out: { type: 'string' }, strategy: { type: 'string' }, size: { type: 'string' }, shuffle: { type: 'boolean' }, seed: { type: 'string' } },
      });
      if (positionals.length === 0 || !values.out) throw new Error(`merge needs input files and --out\n${DATA_USAGE}`);
      const strategy = (values.strategy ?? 'concat') as MergeStrategy;
      if (!MERGE_STRATEGIES.includes(strategy)) throw new Error(`--strategy must be one of ${MERGE_STRATEGIES.join(', ')}, got '${strategy}'`);
      const sources = await Promise.all(
        positionals.map(async (spec) => {
          // FILE:WEIGHT, where the weight is the part after the last colon when it is a number.
          const m = /^(.*):(\d+(?:\.\d+)?)$/.exec(spec);
          const path = m ? (m[1] as string) : spec;
          return { name: path, records: await readAll(path), weight: m ? Number(m[2]) : 1 };
        }),
      );
      const merged = mergeRecords(sources, {
        strategy,
        size: values.size === undefined ? undefined : num('size', values.size, 0),
        shuffle: values.shuffle === true,
        seed: num('seed', values.seed, 42),
      });
      writeJsonl(values.out, merged);
      console.log(`data merge (${strategy}): ${sources.map((s) => `${s.records.length} from ${s.name}`).join(', ')} -> ${merged.length} records in ${values.out}`);
      return 0;
    }
    case 'synth-preference': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, seed: { type: 'string' } } });
      const file = positionals[0];
      if (!file || !values.out) throw new Error(`synth-preference needs FILE and --out\n${DATA_USAGE}`);
      const rows = (await readAll(file)).map((r, i) => {
        const o = r as Partial<SftLike>;
        if (typeof o.prompt !== 'string' || typeof o.response !== 'string') {
          throw new Error(`${file}:${i + 1}: synth-preference needs SFT records with string 'prompt' and 'response'`);
        }
        return { prompt: o.prompt, response: o.response };
      });
      const pairs = synthesizePreferences(rows, num('seed', values.seed, 42));
      writeJsonl(values.out, pairs);
      console.log(`data synth-preference: ${pairs.length} pairs -> ${values.out}`);
      return 0;
    }
    default:
      throw new Error(`unknown data tool '${tool ?? ''}'\n${DATA_USAGE}`);
  }
}
