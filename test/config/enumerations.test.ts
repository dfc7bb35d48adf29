/**
 * Enumerations are declared once: the implementation exports a const array, the schema imports
 * it, and nothing else spells the same members out again.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;
const members = (text: string) => [...text.matchAll(/'([^'\n]*)'/g)].map((m) => m[1] as string).sort();

test('the schema names every enumeration by a constant instead of spelling it inline', () => {
  const inline: string[] = [];
  for (const file of filesUnder(join(root, 'src/config/schema'), '.ts')) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/enum\(\s*\[/g)) inline.push(`${relative(root, file)}:${lineAt(text, m.index)}`);
  }
  assert.deepEqual(inline, [], `z.enum([...]) written inline; export the list from the implementation and import it:\n${inline.join('\n')}`);
});

test('no enumeration constant is spelled out again elsewhere in src/ (as a list or a union type)', () => {
  const declared = new Map<string, string>(); // sorted members -> where
  const spelled: { key: string; where: string }[] = [];
  const sources = filesUnder(join(root, 'src'), '.ts').map((file) => ({ file: relative(root, file), text: readFileSync(file, 'utf8') }));
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/\[((?:\s*'[^'\n]*'\s*,)+\s*'[^'\n]*'\s*,?\s*)\]\s*as const/g)) {
      const key = members(m[1] as string).join(' ');
      const where = `${file}:${lineAt(text, m.index)}`;
      const first = declared.get(key);
      if (first === undefined) declared.set(key, where);
      else spelled.push({ key, where: `${where} (declared at ${first})` });
    }
  }
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/(?:'[^'\n]*'\s*\|\s*)+'[^'\n]*'/g)) {
      const key = members(m[0]).join(' ');
      const first = declared.get(key);
      if (first !== undefined) spelled.push({ key, where: `${file}:${lineAt(text, m.index)} (declared at ${first})` });
    }
  }
  assert.deepEqual(spelled.map((s) => `[${s.key}] at ${s.where}`), [], 'import the constant (or its type) instead');
});

/** Value imports of a compiled module (tsc erases type-only ones), resolved to files. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gms)].map((m) => resolve(dirname(file), (m[1] ?? m[2]) as string));
}

test("the modules the schema takes its enumerations from never import the config (a cycle would leave the lists undefined)", () => {
  const dist = join(root, 'dist/src');
  const config = join(dist, 'config');
  const schemaFiles = filesUnder(join(config, 'schema'), '.js');
  const cycles: string[] = [];
  for (const schemaFile of schemaFiles) {
    for (const start of valueImports(schemaFile).filter((f) => !f.startsWith(config))) {
      const seen = new Set<string>();
      const stack: string[][] = [[start]];
      while (stack.length > 0) {
        const chain = stack.pop() as string[];
        const file = chain[chain.length - 1] as string;
        if (seen.has(file)) continue;
        seen.add(file);
        for (const next of valueImports(file)) {
          if (next.startsWith(config)) cycles.push([schemaFile, ...chain, next].map((f) => relative(dist, f)).join(' -> '));
          else stack.push([...chain, next]);
        }
      }
    }
  }
  assert.deepEqual(cycles, []);
});
