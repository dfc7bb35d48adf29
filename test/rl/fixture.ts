/**
 * Reference values for src/rl: rl.json copied from the shared fixtures, rl_math.json written by
 * make_rl_math_golden.py, dpo_losses.json by make_dpo_losses_golden.py (see
 * test/fixtures/rl/README.md). Looked up from test/rl/ or dist/test/rl/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const cache = new Map<string, Json>();

export function rlFixtures(file: 'rl.json' | 'rl_math.json' | 'dpo_losses.json' = 'rl.json'): Json {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const candidates = [join(here, '..', 'fixtures', 'rl', file), join(here, '..', '..', '..', 'test', 'fixtures', 'rl', file)];
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`${file} not found (looked in ${candidates.join(', ')})`);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Json;
  cache.set(file, json);
  return json;
}
