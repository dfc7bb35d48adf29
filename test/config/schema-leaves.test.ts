/**
 * Every leaf of the run config schema is read somewhere in src/ outside the schema itself: a
 * key that nothing reads would be accepted and silently ignored. The search is textual (on the
 * TypeScript sources with comments and string literals blanked): a leaf `ppo.kl_coef` is read
 * where `<x>.kl_coef` (or `<x>['kl_coef']`, or `{ kl_coef } = <x>`) appears with `<x>` bound to
 * the ppo section (`config.ppo`, a variable assigned from `….ppo`, a parameter typed PpoConfig or
 * RunConfig['ppo'], a destructured `ppo`, or an element of an array section it iterates).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import * as config from '../../src/config/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Leaf {
  /** Dotted path with `[]` for list items and `<kind>` for the per-kind dataset groups. */
  path: string;
  /** The names under which a reader may reach the leaf's parent object (segment and types). */
  parent: string;
  parentTypes: string[];
  /** Whether the parent is a list item (reached by iterating the list). */
  parentIsItem: boolean;
  key: string;
}

type AnySchema = z.core.$ZodType;
const defOf = (s: AnySchema) => (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;

function unwrap(s: AnySchema): AnySchema {
  const d = defOf(s);
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional'].includes(d.type)) return unwrap(d['innerType'] as AnySchema);
  if (d.type === 'pipe') return unwrap(d['out'] as AnySchema);
  return s;
}

/** The exported schema objects of src/config by identity, so that a parameter typed DatasetFile counts as the item. */
const typeNames = new Map<AnySchema, string[]>();
for (const [name, value] of Object.entries(config)) {
  if (value !== null && typeof value === 'object' && '_zod' in value) {
    const inner = unwrap(value as AnySchema);
    typeNames.set(inner, [...(typeNames.get(inner) ?? []), name]);
  }
}

/** The object a walk is in: the name readers reach it by, its exported type names, whether it is a list item. */
interface Context {
  name: string;
  types: string[];
  item: boolean;
}

function leaves(object: AnySchema, path: string[], here: Context, out: Leaf[]): void {
  const shape = defOf(unwrap(object))['shape'] as Record<string, AnySchema>;
  for (const [key, schema] of Object.entries(shape)) {
    const child = unwrap(schema);
    const d = defOf(child);
    const element = d.type === 'array' ? unwrap(d['element'] as AnySchema) : undefined;
    if (d.type === 'object') {
      const inner = defOf(child)['shape'] as Record<string, AnySchema>;
      const kinds = Object.keys(inner);
      if (kinds.length > 0 && kinds.every((k) => (config.DATASET_KINDS as readonly string[]).includes(k))) {
        // data.datasets: one group per dataset kind, all alike (read as datasets[kind]); walk one as <kind>.
        leaves(inner[kinds[0] as string] as AnySchema, [...path, key, '<kind>'], { name: key, types: [], item: true }, out);
      } else {
        leaves(child, [...path, key], { name: key, types: typeNames.get(child) ?? [], item: false }, out);
      }
    } else if (element !== undefined && defOf(element).type === 'object') {
      leaves(element, [...path, key, '[]'], { name: key, types: typeNames.get(element) ?? [], item: true }, out);
    } else {
      out.push({ path: [...path, key].join('.'), parent: here.name, parentTypes: here.types, parentIsItem: here.item, key });
    }
  }
}

/** Source text with comments removed and string literals blanked (template `${…}` code kept). */
function codeOnly(text: string): string {
  let out = '';
  let i = 0;
  const templateDepth: number[] = []; // brace depth at which each open template's ${ began
  let braces = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"') {
      // Keep `['key']` index accesses: the quoted key is code there.
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      const literal = text.slice(i, j + 1);
      out += out.endsWith('[') ? literal : `${c}${c}`;
      i = j + 1;
    } else if (c === '`' || (c === '}' && templateDepth.length > 0 && templateDepth[templateDepth.length - 1] === braces)) {
      if (c === '}') templateDepth.pop();
      // Skip template text up to the closing backtick or the next `${`.
      let j = i + 1;
      while (j < text.length && text[j] !== '`' && !(text[j] === '$' && text[j + 1] === '{')) j += text[j] === '\\' ? 2 : 1;
      if (text[j] === '$') {
        templateDepth.push(braces);
        out += '`${';
        i = j + 2;
      } else {
        out += '``';
        i = j + 1;
      }
    } else {
      if (c === '{') braces++;
      if (c === '}') braces--;
      out += c;
      i++;
    }
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Names bound to the parent object in one file. */
function parentAliases(code: string, leaf: Leaf): string[] {
  const p = escape(leaf.parent);
  const names = new Set<string>([leaf.parent]);
  const add = (re: RegExp) => {
    for (const m of code.matchAll(re)) if (m[1]) names.add(m[1]);
  };
  // const x = config.ppo / c.training / config['ppo'] / config.data.merge_config ?? …
  add(new RegExp(`\\b(\\w+)\\s*=\\s*[\\w.?]*(?:\\.${p}\\b|\\['${p}'\\])`, 'g'));
  // x: PpoConfig, x: RunConfig['ppo'], x: Readonly<PpoConfig>, x: readonly DatasetFile[]
  const types = [...leaf.parentTypes.map(escape), `RunConfig\\['${p}'\\]`].join('|');
  add(new RegExp(`\\b(\\w+)\\??:\\s*(?:Readonly<|readonly\\s+)?(?:${types})\\b`, 'g'));
  if (leaf.parentIsItem) {
    // The list: `….train_files`, or a name assigned from an expression that reaches it.
    const lists = new Set([leaf.parent]);
    for (const m of code.matchAll(new RegExp(`\\b(\\w+)\\s*=(?![=>])\\s*[^;\\n]*(?:\\.${p}\\b|\\['${p}'\\])`, 'g'))) if (m[1]) lists.add(m[1]);
    for (const list of lists) {
      const l = escape(list);
      const tail = `\\b${l}\\b(?:\\s*\\?\\?\\s*\\[\\])?\\)?`;
      // for (const f of list), list.map((f) => …), (list ?? []).forEach((f, i) => …), x = list[i]
      add(new RegExp(`for\\s*\\(\\s*const\\s+(?:\\[\\s*\\w+\\s*,\\s*)?(\\w+)\\]?\\s+of\\s+[^)]*${tail}`, 'g'));
      add(new RegExp(`${tail}\\??\\.(?:map|filter|flatMap|forEach|some|every|find|reduce)\\(\\s*\\(?\\s*(\\w+)`, 'g'));
      add(new RegExp(`\\b(\\w+)\\s*=\\s*[\\w.?]*${tail}\\[[^\\]]+\\]`, 'g'));
    }
    if (leaf.parentTypes.length > 0) add(new RegExp(`\\b(\\w+)\\??:\\s*(?:readonly\\s+)?(?:${leaf.parentTypes.map(escape).join('|')})\\[\\]`, 'g'));
  }
  return [...names];
}

/**
 * Implementation types that receive a config object whole and read its keys under their own
 * name (a reward-function entry is handed to the built-in that reads its options).
 */
const HANDED_TO: Record<string, string[]> = {
  'rewards.functions.[]': ['BuiltinOptions'],
};

function isRead(code: string, leaf: Leaf): boolean {
  const k = escape(leaf.key);
  const access = (a: string) => new RegExp(`\\b${a}\\??(?:\\.${k}\\b|\\[\\s*'${k}'\\s*\\])`);
  for (const alias of parentAliases(code, leaf)) {
    const a = escape(alias);
    if (access(a).test(code)) return true;
    if (new RegExp(`\\{[^{}]*\\b${k}\\b[^{}]*\\}\\s*=\\s*[\\w.?]*\\b${a}\\b`).test(code)) return true;
  }
  // A file that names the parent's type (a section type, the item type, or a type it is handed
  // to) and reads the key on any object.
  const types = [...leaf.parentTypes, ...(HANDED_TO[leaf.path.slice(0, leaf.path.lastIndexOf('.'))] ?? [])];
  return types.some((t) => new RegExp(`\\b${escape(t)}\\b`).test(code)) && access('\\w+').test(code);
}

function sourceFiles(): { file: string; code: string }[] {
  const dir = join(root, 'src');
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !join(e.parentPath, e.name).startsWith(join(dir, 'config', 'schema')))
    .map((e) => join(e.parentPath, e.name))
    .map((file) => ({ file: relative(root, file), code: codeOnly(readFileSync(file, 'utf8')) }));
}

test('the leaf walk sees the whole schema: sections, nested mappings, list items and dataset kinds', () => {
  const all: Leaf[] = [];
  leaves(config.RunConfig, [], { name: '', types: [], item: false }, all);
  const paths = all.map((l) => l.path);
  for (const p of ['model.name_or_path', 'training.learning_rate', 'data.merge_config.strategy', 'data.datasets.<kind>.train_files.[].path', 'rewards.functions.[].weight', 'distributed.backend']) {
    assert.ok(paths.includes(p), p);
  }
  assert.equal(new Set(paths).size, paths.length);
  assert.ok(paths.length > 130, `${paths.length} leaves`);
});

test('the read detector tells a read from a mention', () => {
  const leaf: Leaf = { path: 'ppo.kl_coef', parent: 'ppo', parentTypes: ['PpoConfig'], parentIsItem: false, key: 'kl_coef' };
  assert.equal(isRead(codeOnly('const p = config.ppo;\nuse(p.kl_coef);'), leaf), true);
  assert.equal(isRead(codeOnly('function f(o: PpoConfig) { return o.kl_coef; }'), leaf), true);
  assert.equal(isRead(codeOnly('const { kl_coef } = config.ppo;'), leaf), true);
  assert.equal(isRead(codeOnly('x(`${config.ppo.kl_coef}`)'), leaf), true);
  assert.equal(isRead(codeOnly("// reads ppo.kl_coef\nthrow new Error('set ppo.kl_coef');"), leaf), false);
  assert.equal(isRead(codeOnly('const p = config.grpo;\nuse(p.kl_coef);'), leaf), false);
});

test('every schema leaf is read somewhere in src/ outside src/config/schema', () => {
  const all: Leaf[] = [];
  leaves(config.RunConfig, [], { name: '', types: [], item: false }, all);
  const files = sourceFiles();
  const read = new Set(all.filter((leaf) => files.some(({ code }) => isRead(code, leaf))).map((l) => l.path));
  // No allowlist: a key that cannot work is refused where it would be used (src/config/unsupported.ts), which reads it.
  const unread = all.map((l) => l.path).filter((p) => !read.has(p));
  assert.deepEqual(unread, [], `config keys read nowhere in src/ (implement them, or refuse them where they would be used, with the reason):\n  ${unread.join('\n  ')}`);
});
