/**
 * The README and docs/ describe what the code does: every `rlhf` command and flag they show is
 * one the CLI accepts, every config key they name is in the schema, every example config they
 * run exists and validates, and every local link resolves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_ALIASES, loadConfig, SECTIONS } from '../../src/config/index.js';
import { schemaAt } from '../../src/config/json-schema.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const text = new Map(pages.map((p) => [p, readFileSync(join(root, p), 'utf8')]));

/** Fenced code blocks of a page with their language tag. */
function codeBlocks(page: string): Array<{ lang: string; body: string }> {
  return [...(text.get(page) ?? '').matchAll(/```([a-z]*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? '', body: m[2] ?? '' }));
}

/** `rlhf <command> ...` invocations shown in code blocks (one per line; comments dropped). */
function invocations(page: string): Array<{ command: string; flags: string[]; line: string }> {
  const out: Array<{ command: string; flags: string[]; line: string }> = [];
  for (const { lang, body } of codeBlocks(page)) {
    if (!['bash', 'sh', ''].includes(lang)) continue;
    for (const raw of body.split('\n')) {
      const line = raw.replace(/\s#\s.*$/, '');
      for (const m of line.matchAll(/(?:^|[\s;&|(])(?:npx )?rlhf ([a-z][a-z-]*)((?:[^;&|]*))/g)) {
        const rest = m[2] ?? '';
        const flagsOf = (text: string) => [...text.matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].map((f) => f[1] as string);
        // `rlhf launch ... -- <command> ...`: what follows ` -- ` is the worker's rlhf command (unless --raw).
        const cut = m[1] === 'launch' ? rest.indexOf(' -- ') : -1;
        out.push({ command: m[1] as string, flags: flagsOf(cut < 0 ? rest : rest.slice(0, cut)), line: raw.trim() });
        const worker = cut < 0 || /\s--(raw|no-python)\b/.test(rest.slice(0, cut)) ? null : /^\s*([a-z][a-z-]*)(.*)$/.exec(rest.slice(cut + 4));
        if (worker !== null) out.push({ command: worker[1] as string, flags: flagsOf(worker[2] ?? ''), line: raw.trim() });
      }
    }
  }
  return out;
}

/** `sft.jsonl`, `config.yaml`: file names, not keys. */
const FILE_NAME = /\.(jsonl|json|yaml|yml|md|ts|js|safetensors|parquet|txt|py|log|svg|html|csv|png)$/;
/** Code spans that are TypeScript expressions on a model object, not config keys. */
const MODEL_EXPRESSION = /^model\.(config|layers)\b/;

const aliasPaths = new Set(CONFIG_ALIASES.map((a) => a.alias));

/** True when a dotted config path names a key of the schema (or an accepted alias). */
function isConfigKey(path: string): boolean {
  if (aliasPaths.has(path)) return true;
  const segments = path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return schemaAt(segments) !== undefined;
}

/** Every key path of a YAML mapping, e.g. training.learning_rate. */
function keyPaths(value: unknown, prefix: string[] = []): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const path = [...prefix, k];
    // Items of dataset lists and reward-function lists are checked by validation, not here.
    return [path.join('.'), ...(Array.isArray(v) ? [] : keyPaths(v, path))];
  });
}

test('every rlhf command and flag in the README and docs is one the CLI accepts', () => {
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  const known = new Set([...help.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1] as string));
  const usage = new Map<string, string>();
  let count = 0;
  for (const page of pages) {
    for (const { command, flags, line } of invocations(page)) {
      count++;
      assert.ok(known.has(command), `${page}: '${line}' uses 'rlhf ${command}', which rlhf --help does not list`);
      if (!usage.has(command)) usage.set(command, spawnSync(process.execPath, [cli, command, '--help'], { encoding: 'utf8' }).stdout);
      for (const flag of flags) {
        if (flag === '--help' || flag === '--verbose') continue;
        assert.ok(new RegExp(`${flag}(?![a-z-])`).test(usage.get(command) ?? ''), `${page}: '${line}' passes ${flag}, which 'rlhf ${command} --help' does not list`);
      }
    }
  }
  assert.ok(count >= 40, `only ${count} rlhf invocations found in README.md and docs/`);
});

test('every config key the docs name is in the schema', () => {
  const sections = new Set<string>(SECTIONS);
  const wrong: string[] = [];
  let count = 0;
  for (const page of pages) {
    const body = text.get(page) ?? '';
    // Inline `section.key` / `section.key: value` / `section.key=value` spans.
    for (const m of body.matchAll(/`([a-z_]+(?:\.[a-z_0-9<>]+)+)(?:[:= ][^`]*)?`/g)) {
      const path = m[1] as string;
      const [section] = path.split('.');
      if (!sections.has(section as string) || path.includes('<') || FILE_NAME.test(path) || MODEL_EXPRESSION.test(path)) continue;
      count++;
      if (!isConfigKey(path)) wrong.push(`${page}: \`${path}\``);
    }
    for (const { lang, body: block } of codeBlocks(page)) {
      for (const m of block.matchAll(/--set ([a-z_.0-9]+)=/g)) {
        if (m[1] === 'section.key') continue; // the placeholder in the syntax line
        count++;
        if (!isConfigKey(m[1] as string)) wrong.push(`${page}: --set ${m[1]}`);
      }
      if (lang !== 'yaml') continue;
      let doc: unknown;
      try { doc = parse(block); } catch { continue; }
      if (doc === null || typeof doc !== 'object' || !Object.keys(doc).every((k) => sections.has(k))) continue;
      for (const path of keyPaths(doc)) {
        count++;
        if (!isConfigKey(path)) wrong.push(`${page}: YAML sets ${path}`);
      }
    }
  }
  assert.deepEqual(wrong, [], `not config keys (rlhf config schema lists them):\n${wrong.join('\n')}`);
  assert.ok(count >= 60, `only ${count} config keys found in README.md and docs/`);
});

test('every example config the docs run exists and validates, and every local link resolves', () => {
  const configs = new Set<string>();
  for (const page of pages) {
    for (const m of (text.get(page) ?? '').matchAll(/--config (examples\/configs\/[a-z0-9-]+\.yaml)/g)) configs.add(m[1] as string);
    for (const m of (text.get(page) ?? '').matchAll(/\]\(([^)#:\s]+)(?:#[^)]*)?\)/g)) {
      const link = m[1] as string;
      assert.ok(existsSync(join(root, dirname(page), link)), `${page} links to ${link}, which does not exist`);
    }
  }
  assert.ok(configs.size >= 8, `only ${configs.size} example configs run in the docs`);
  for (const file of configs) assert.doesNotThrow(() => loadConfig(join(root, file)), `${file} (run in the docs) does not validate`);
});
