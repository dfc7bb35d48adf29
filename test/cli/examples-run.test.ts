import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { writeArithmeticTask, writeCalculatorTask, writeSampleData } from '../../src/data/index.js';
import { IMPLEMENTED_ALGORITHMS } from '../../src/cli/train-command.js';
import { loadConfig } from '../../src/config/index.js';

const root = resolve('.');
// A scratch working directory laid out like the repo: the example configs' relative paths
// (test/fixtures/models/..., examples/models/..., data/sample/..., data/arithmetic/..., data/calculator/...) resolve,
// and outputs land in the scratch dir.
const cwd = mkdtempSync(join(tmpdir(), 'examples-'));
symlinkSync(join(root, 'test'), join(cwd, 'test'));
symlinkSync(join(root, 'examples'), join(cwd, 'examples'));
writeSampleData(join(cwd, 'data/sample'));
writeArithmeticTask(join(cwd, 'data/arithmetic'), { sft: 200, prompts: 200, eval: 20 }); // a PPO iteration takes 128 prompts
writeCalculatorTask(join(cwd, 'data/calculator'), { sft: 200, prompts: 100, eval: 20 });

// A config that starts from another's output (arith-grpo.yaml from outputs/arith-sft) runs
// after it: the tests of a file run in order.
const examples = readdirSync(join(root, 'examples/configs'))
  .filter((f) => f.endsWith('.yaml'))
  .map((file) => ({ file, config: loadConfig(join(root, 'examples/configs', file), { env: {} }) }));
const startsFromOutput = (e: (typeof examples)[number]) => examples.some((o) => o !== e && resolve(cwd, o.config.training.output_dir) === resolve(cwd, e.config.model.name_or_path));
examples.sort((a, b) => Number(startsFromOutput(a)) - Number(startsFromOutput(b)) || a.file.localeCompare(b.file));

for (const { file, config } of examples) {
  const runnable = IMPLEMENTED_ALGORITHMS.includes(config.training.algorithm);
  test(`examples/configs/${file} trains and evaluates as written (2 steps)`, { skip: runnable ? false : `${config.training.algorithm} has no trainer yet` }, () => {
    execFileSync(process.execPath, [join(root, 'dist/src/cli/main.js'), 'train', '--config', join(root, 'examples/configs', file), '--set', 'training.max_steps=2'], { cwd, encoding: 'utf8', stdio: 'pipe' });
    const out = join(cwd, config.training.output_dir);
    assert.ok(existsSync(join(out, 'metrics.jsonl')) && existsSync(join(out, 'training_stats.json')), out);
    // Its evaluation: section runs as written too, over the run's checkpoints.
    const evalArgs = ['--config', join(root, 'examples/configs', file), '--checkpoints', 'all', '--set', 'evaluation.max_examples=4'];
    const script = `import { runEval } from ${JSON.stringify(pathToFileURL(join(root, 'dist/src/cli/eval-command.js')).href)}; process.exitCode = await runEval(${JSON.stringify(evalArgs)});`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', stdio: 'pipe' });
    const results = JSON.parse(readFileSync(join(out, 'eval', 'eval_results.json'), 'utf8')) as { models: { step: number; metrics: Record<string, number> }[] };
    assert.deepEqual(results.models.map((m) => m.step), [2]);
    assert.ok(Object.keys(results.models[0]!.metrics).length > 0 && existsSync(join(out, 'eval', 'eval_report.md')));
  });
}
