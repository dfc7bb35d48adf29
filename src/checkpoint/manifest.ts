/**
 * `manifest.json`: every file of a checkpoint with its size, written just before
 * trainer_state.json. validateCheckpoint() compares the directory against it.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CheckpointError } from './errors.js';
import { readTrainerState, TRAINER_STATE_FILE } from './trainer-state.js';

export const MANIFEST_FILE = 'manifest.json';

export interface Manifest {
  /** Relative path (with '/') → size in bytes. trainer_state.json and manifest.json are not listed. */
  files: Record<string, number>;
}

function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else if (entry.isFile()) out.push(relative(root, path).split('\\').join('/'));
  }
  return out.sort();
}

/** Lists the files now in `dir` into `<dir>/manifest.json`. */
export function writeManifest(dir: string): Manifest {
  const files: Record<string, number> = {};
  for (const file of listFiles(dir)) {
    if (file === MANIFEST_FILE || file === TRAINER_STATE_FILE) continue;
    files[file] = statSync(join(dir, file)).size;
  }
  const manifest = { files };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The problems with a checkpoint directory; empty when it is complete. */
export function checkpointProblems(dir: string): string[] {
  if (!existsSync(dir)) return ['the directory does not exist'];
  if (!statSync(dir).isDirectory()) return ['it is not a directory'];
  const problems: string[] = [];
  if (!existsSync(join(dir, TRAINER_STATE_FILE))) problems.push(`missing ${TRAINER_STATE_FILE} (the save did not finish)`);
  else {
    try {
      readTrainerState(dir);
    } catch (err) {
      problems.push(`${TRAINER_STATE_FILE} is unreadable: ${(err as Error).message}`);
    }
  }
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    problems.push(`missing ${MANIFEST_FILE}`);
    return problems;
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (typeof manifest.files !== 'object' || manifest.files === null) throw new SyntaxError('no "files" object');
  } catch (err) {
    problems.push(`${MANIFEST_FILE} is unreadable: ${(err as Error).message}`);
    return problems;
  }
  for (const [file, size] of Object.entries(manifest.files)) {
    const path = join(dir, file);
    if (!existsSync(path)) problems.push(`missing ${file} (listed in ${MANIFEST_FILE})`);
    else {
      const actual = statSync(path).size;
      if (actual !== size) problems.push(`${file} is ${actual} bytes, ${MANIFEST_FILE} says ${size}`);
    }
  }
  return problems;
}

/** Throws a CheckpointError naming `dir` and everything missing or wrong in it. */
export function validateCheckpoint(dir: string): void {
  const problems = checkpointProblems(dir);
  if (problems.length > 0) throw new CheckpointError(dir, problems);
}
