/**
 * Reference values for src/eval, in test/fixtures/metrics/: text_metrics.json (copied from the
 * shared fixtures: sacrebleu 2.6 and rouge-score) and bleu_cases.json (make_bleu_cases.py,
 * sacrebleu 2.6). Looked up from test/eval/ or dist/test/eval/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Parses test/fixtures/<relative>. */
export function fixtureJson(relative: string): Json {
  const candidates = [join(here, '..', 'fixtures', relative), join(here, '..', '..', '..', 'test', 'fixtures', relative)];
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`${relative} not found (looked in ${candidates.join(', ')})`);
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}
