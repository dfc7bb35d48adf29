/**
 * Reading the JSON files of a Hugging Face tokenizer directory, with errors that name the
 * directory and the file (a missing file also lists what the directory does hold, which
 * usually shows the mistake: a slow-tokenizer-only checkout, a wrong folder level...).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TokenizerFileError } from './errors.js';

export type JsonObject = Record<string, unknown>;

/** Throws unless `dir` exists and is a directory. */
export function assertDirectory(dir: string): void {
  if (!existsSync(dir)) throw new TokenizerFileError(dir, `Tokenizer directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new TokenizerFileError(dir, `Tokenizer path ${dir} is not a directory`);
}

/** Reads `dir/name` as a JSON object; a missing file throws, naming the directory and the file. */
export function readRequiredJson(dir: string, name: string, why: string): JsonObject {
  const path = join(dir, name);
  if (!existsSync(path)) {
    const present = readdirSync(dir).sort();
    const listing = present.length > 0 ? present.join(', ') : 'nothing';
    throw new TokenizerFileError(path, `Tokenizer directory ${dir} is missing ${name} (${why}); it holds: ${listing}`);
  }
  return parseJsonObject(path);
}

/** Reads `dir/name` as a JSON object, or returns undefined when the file does not exist. */
export function readOptionalJson(dir: string, name: string): JsonObject | undefined {
  const path = join(dir, name);
  return existsSync(path) ? parseJsonObject(path) : undefined;
}

/** Reads `dir/name` as text, or returns undefined when the file does not exist. */
export function readOptionalText(dir: string, name: string): string | undefined {
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function parseJsonObject(path: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TokenizerFileError(path, `Malformed tokenizer file ${path}: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new TokenizerFileError(path, `Malformed tokenizer file ${path}: expected a JSON object, got ${got}`);
  }
  return value as JsonObject;
}
