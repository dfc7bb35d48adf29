/** `algorithm_state.json`: what an algorithm carries between steps, so a resumed run continues exactly. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Algorithm } from './types.js';

export const ALGORITHM_STATE_FILE = 'algorithm_state.json';

export function saveAlgorithmState(dir: string, algorithm: Algorithm<unknown>): void {
  if (algorithm.stateDict === undefined) return;
  writeFileSync(join(dir, ALGORITHM_STATE_FILE), `${JSON.stringify(algorithm.stateDict(), null, 2)}\n`);
}

export function loadAlgorithmState(dir: string, algorithm: Algorithm<unknown>): void {
  if (algorithm.loadStateDict === undefined) return;
  const path = join(dir, ALGORITHM_STATE_FILE);
  if (!existsSync(path)) throw new Error(`${dir}: ${ALGORITHM_STATE_FILE} is missing; the ${algorithm.name} run cannot resume exactly without it`);
  algorithm.loadStateDict(JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>);
}
