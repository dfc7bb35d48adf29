/**
 * Reference values for src/contrastive: contrastive.json written by
 * test/fixtures/contrastive/make_golden.py (PyTorch / transformers). Looked up from
 * test/contrastive/ or dist/test/contrastive/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
let cached: Json;

export function contrastiveGolden(): Json {
  if (cached !== undefined) return cached;
  const candidates = [join(here, '..', 'fixtures', 'contrastive', 'contrastive.json'), join(here, '..', '..', '..', 'test', 'fixtures', 'contrastive', 'contrastive.json')];
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`contrastive.json not found (looked in ${candidates.join(', ')}); regenerate with /work/venv/bin/python test/fixtures/contrastive/make_golden.py`);
  cached = JSON.parse(readFileSync(path, 'utf8')) as Json;
  return cached;
}
