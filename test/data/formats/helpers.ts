/** Shared by the data tests: fixture paths and a parse context for hand-written rows. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseContext, ParseOptions } from '../../../src/data/formats/index.js';

const here = dirname(fileURLToPath(import.meta.url));
// Tests run from dist/test/data/formats; fixtures stay in the source tree.
const candidates = [join(here, '..', '..', 'fixtures', 'data'), join(here, '..', '..', '..', '..', 'test', 'fixtures', 'data')];
const found = candidates.find((dir) => existsSync(join(dir, 'sft.jsonl')));
if (found === undefined) throw new Error('test/fixtures/data not found');
export const fixtureDir: string = found;

export function fixture(name: string): string {
  return join(fixtureDir, name);
}

/** A context for row `line` of a pretend file `t.jsonl`. */
export function ctx(line = 1, options: ParseOptions = {}): ParseContext {
  return { source: { file: 't.jsonl', line }, options };
}
