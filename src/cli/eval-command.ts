/**
 * `rlhf eval --config FILE`: automatic evaluation of a model, or of a run's checkpoints in one
 * comparison table; writes eval_results.json, eval_report.md and generations/<model>.jsonl.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { evalOutputDir } from '../eval/plan.js';
import { evaluateCheckpoints, writeEvalOutputs } from '../eval/run-eval.js';

export const EVAL_USAGE = `rlhf eval --config FILE [--set section.key=value]... [--checkpoints all|DIR,...] [--out DIR]
  Evaluates evaluation.model_path (default: the run's starting model) on evaluation.tasks (default by
  training.algorithm: sft and gkd generation + perplexity, dpo/orpo/cpo/kto preference + generation, grpo/ppo/online_dpo/rloo/reinforce_pp
  generation, reward preference, prm prm, critic critic) and writes eval_results.json, eval_report.md and generations/<model>.jsonl to --out
  (default evaluation.output_dir, else <training.output_dir>/eval).
  --checkpoints all    every complete checkpoint-<step> of training.output_dir and its final model, compared
                       in one table (the same as --set evaluation.checkpoints=all)
  --checkpoints A,B    these model directories, in this order
  --out DIR            the same as --set evaluation.output_dir=DIR`;

interface ProgressEvent {
  model: string;
  task: string;
  done: number;
  total: number;
}

/** `eval checkpoint-2: generation 16/20`, redrawn in place on a terminal, at most one line per 10 s (and the last) otherwise. */
function progressLine(stream: NodeJS.WriteStream): { update: (e: ProgressEvent) => void; clear: () => void } {
  const tty = stream.isTTY === true;
  let lastMs = -Infinity;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return {
    update({ model, task, done, total }) {
      const line = `eval ${model}: ${task} ${done}/${total}`;
      if (tty) {
        stream.write(`\r${line}\x1b[K`);
        drawn = true;
        if (done >= total) clear();
        return;
      }
      const now = Date.now();
      if (done >= total || now - lastMs >= 10_000) {
        stream.write(`${line}\n`);
        lastMs = now;
      }
    },
    clear,
  };
}

export async function runEval(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, set: { type: 'string', multiple: true }, checkpoints: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  if (values.config === undefined) throw new Error(`--config is required\nusage: ${EVAL_USAGE}`);
  const overrides = [...(values.set ?? [])];
  if (values.checkpoints !== undefined) {
    const list = values.checkpoints.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (list.length === 0) throw new Error(`--checkpoints expects all or a comma-separated list of model directories, got '${values.checkpoints}'`);
    overrides.push('evaluation.model_path=null', `evaluation.checkpoints=${list.length === 1 && list[0] === 'all' ? 'all' : JSON.stringify(list)}`);
  }
  if (values.out !== undefined) overrides.push(`evaluation.output_dir=${JSON.stringify(values.out)}`);
  const config = loadConfig(values.config, { overrides });
  const progress = progressLine(process.stderr);
  const results = await evaluateCheckpoints(config, {
    configFile: values.config,
    onProgress: progress.update,
    log: (line) => {
      progress.clear();
      console.log(line);
    },
  });
  progress.clear();
  const written = writeEvalOutputs(results, evalOutputDir(config), { numSamples: config.evaluation.num_samples });
  const models = results.models.length;
  console.log(`eval: ${models} model${models === 1 ? '' : 's'} on ${results.tasks.join(', ')}; wrote ${written.results} and ${written.report}`);
  return 0;
}
