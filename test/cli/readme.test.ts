/** The README opens with the set-up and test commands; its commands and links point at real things. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('README starts with the fresh-machine command and the test command', () => {
  const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = firstBlock.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  assert.deepEqual(commands, ['bash scripts/setup.sh && npm run demo', 'npm test']);
  const ci = readFileSync(`${root}.ci/run`, 'utf8');
  assert.match(ci, /npm test/, '.ci/run runs the README test command');
});

test('every `npx rlhf <command>` in the README is a real command, and every docs link exists', () => {
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  const known = new Set([...help.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1] as string));
  const used = [...readme.matchAll(/npx rlhf ([a-z-]+)/g)].map((m) => m[1] as string);
  assert.ok(used.length >= 10, `only ${used.length} rlhf commands found in README.md`);
  for (const name of used) assert.ok(known.has(name), `README.md uses 'rlhf ${name}', which rlhf --help does not list`);
  const links = [...readme.matchAll(/\]\(((?:docs|examples|scripts)\/[^)#]+)/g)].map((m) => m[1] as string);
  assert.ok(links.length >= 5, `only ${links.length} local links found in README.md`);
  for (const link of links) assert.ok(existsSync(`${root}${link}`), `README.md links to ${link}, which does not exist`);
});

test("the README's Layout names every folder of src/", () => {
  const layout = /## Layout\n+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const named = new Set([...layout.matchAll(/^(src\/[a-z-]+)\//gm)].map((m) => m[1] as string));
  const folders = readdirSync(`${root}src`, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `src/${d.name}`);
  assert.ok(folders.length >= 10, `only ${folders.length} folders under src/`);
  for (const folder of folders) assert.ok(named.has(folder), `README.md's Layout does not list ${folder}/`);
  for (const name of named) assert.ok(folders.includes(name), `README.md's Layout lists ${name}/, which does not exist`);
});
