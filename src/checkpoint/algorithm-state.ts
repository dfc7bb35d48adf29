/** `algorithm_state.json`: what an algorithm carries between steps, so a resumed run continues exactly. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ALGORITHM_STATE_FILE = 'algorithm_state.json';

/** What a checkpoint needs of an algorithm (offline or online): its name and, if it has any, its state. */
export interface StatefulAlgorithm {
  readonly name: string;
  stateDict?(): Record<string, number>;
  loadStateDict?(state: Record<string, number>): void;
}

/** Writes `<dir>/algorithm_state.json`; nothing for an algorithm without state. */
export function saveAlgorithmState(dir: string, algorithm: StatefulAlgorithm): void {
  if (algorithm.stateDict === undefined) return;
  writeFileSync(join(dir, ALGORITHM_STATE_FILE), `${JSON.stringify(algorithm.stateDict(), null, 2)}\n`);
}

/** Restores what saveAlgorithmState wrote; an algorithm with state refuses a checkpoint without the file. */
export function loadAlgorithmState(dir: string, algorithm: StatefulAlgorithm): void {
  if (algorithm.loadStateDict === undefined) return;
  const path = join(dir, ALGORITHM_STATE_FILE);
  if (!existsSync(path)) throw new Error(`${dir}: ${ALGORITHM_STATE_FILE} is missing; the ${algorithm.name} run cannot resume exactly without it`);
  algorithm.loadStateDict(JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>);
}
