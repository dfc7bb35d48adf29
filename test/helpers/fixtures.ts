/**
 * Reference values computed with real PyTorch by test/fixtures/ops/make_op_fixtures.py.
 * The JSON lives in the source tree (it is not copied to dist/), so it is looked up from
 * either location of this module: test/helpers/ or dist/test/helpers/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [join(here, '..', 'fixtures', 'ops', 'ops.json'), join(here, '..', '..', '..', 'test', 'fixtures', 'ops', 'ops.json')];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let cache: Json | undefined;

/** The parsed ops.json (see make_op_fixtures.py for what each key holds). */
export function opFixtures(): Json {
  if (cache !== undefined) return cache;
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`ops.json not found (looked in ${candidates.join(', ')})`);
  cache = JSON.parse(readFileSync(path, 'utf8')) as Json;
  return cache;
}
