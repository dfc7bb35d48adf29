/**
 * The layering rules of src/, checked on every relative import: evaluation, monitoring,
 * checkpoints, data and the CLI (but the train command, which dispatches to the trainers) never
 * import a trainer; a trainer folder imports only the shared loop/ folder, never another trainer.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve('src');
const SHARED_TRAINER_FOLDERS = ['loop'];
/** Layers below the trainers. */
const BELOW_TRAINERS = ['eval', 'monitor', 'checkpoint', 'data'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative module a file imports or re-exports, as a path relative to src/ (e.g. `trainers/sft/index.js`). */
export function importsOf(file: string, source = readFileSync(file, 'utf8')): string[] {
  const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g), ...source.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] as string);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(file), s)).split('\\').join('/'));
}

/** The rule an import from `from` (a path under src/) to `to` breaks, or null. */
export function brokenRule(from: string, to: string): string | null {
  if (!to.startsWith('trainers/')) return null;
  const target = to.split('/')[1] as string;
  const layer = from.split('/')[0] as string;
  if (BELOW_TRAINERS.includes(layer)) return `src/${layer} must not import src/trainers`;
  if (from.startsWith('cli/') && from !== 'cli/train-command.ts') return 'src/cli (but the train command) must not import src/trainers';
  if (from.startsWith('trainers/')) {
    const own = from.split('/')[1] as string;
    if (own !== target && !SHARED_TRAINER_FOLDERS.includes(target)) return `a trainer folder imports only its own files and trainers/${SHARED_TRAINER_FOLDERS.join(', trainers/')}, not trainers/${target}`;
  }
  return null;
}

test('the rule checker flags what it should (and only that)', () => {
  assert.equal(brokenRule('eval/tasks.ts', 'trainers/sft/index.js'), 'src/eval must not import src/trainers');
  assert.equal(brokenRule('eval/plan.ts', 'checkpoint/index.js'), null);
  assert.equal(brokenRule('checkpoint/contents.ts', 'trainers/loop/run.js'), 'src/checkpoint must not import src/trainers');
  assert.match(brokenRule('cli/score-command.ts', 'trainers/reward/index.js') ?? '', /src\/cli/);
  assert.equal(brokenRule('cli/train-command.ts', 'trainers/reward/index.js'), null);
  assert.match(brokenRule('data/datasets/sft.ts', 'trainers/loop/run.js') ?? '', /src\/data/);
  assert.match(brokenRule('trainers/dpo/trainer.ts', 'trainers/reward/index.js') ?? '', /not trainers\/reward/);
  assert.equal(brokenRule('trainers/dpo/trainer.ts', 'trainers/loop/run.js'), null);
  assert.equal(brokenRule('trainers/dpo/trainer.ts', 'trainers/dpo/index.js'), null);
  assert.deepEqual(importsOf(join(SRC, 'eval/x.ts'), "import { a } from '../trainers/sft/index.js';\nexport { b } from './y.js';\nimport type { C } from 'node:fs';\n"), ['trainers/sft/index.js', 'eval/y.js']);
});

test('src/ keeps its layering: nothing below the trainers imports one, no trainer imports another', () => {
  const broken: string[] = [];
  const files = tsFiles(SRC);
  assert.ok(files.length > 100, `found only ${files.length} source files under ${SRC}`);
  for (const file of files) {
    const from = relative(SRC, file).split('\\').join('/');
    for (const to of importsOf(file)) {
      const rule = brokenRule(from, to);
      if (rule !== null) broken.push(`src/${from} imports src/${to}: ${rule}`);
    }
  }
  assert.deepEqual(broken, []);
});
