/**
 * Reference values for src/rl, copied from the shared fixtures (see test/fixtures/rl/README.md).
 * Looked up from test/rl/ or dist/test/rl/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [join(here, '..', 'fixtures', 'rl', 'rl.json'), join(here, '..', '..', '..', 'test', 'fixtures', 'rl', 'rl.json')];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
let cache: Json | undefined;

export function rlFixtures(): Json {
  if (cache !== undefined) return cache;
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`rl.json not found (looked in ${candidates.join(', ')})`);
  cache = JSON.parse(readFileSync(path, 'utf8')) as Json;
  return cache;
}
