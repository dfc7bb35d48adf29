/**
 * Field checks shared by the format validators. Each throws a `DataError` naming the field
 * (`field 'response' must be a string, got number`), so a bad row in a million-row file is
 * found from the message alone.
 */
import { DataError } from '../errors.js';
import type { RecordSource } from '../records.js';

/** Options every validator takes. */
export interface ParseOptions {
  /**
   * Accept empty (or whitespace-only) prompts and responses. Off by default: an empty
   * response trains the model to stop immediately, which is almost always a data bug.
   */
  allowEmpty?: boolean;
  /**
   * Latent rows only: the safetensors file for rows without a `file` column. Relative paths
   * (here and in `file` columns) resolve against the index file's folder. Default: the index
   * path with its extension replaced by `.safetensors`.
   */
  latentTensors?: string;
}

/** Where a row came from plus the options it is checked under. */
export interface ParseContext {
  source: RecordSource;
  options: ParseOptions;
}

/** A JSON-ish value's type as messages name it: `null`, `array`, `object`, or `typeof`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function fail(ctx: ParseContext, field: string | undefined, detail: string): never {
  throw new DataError(ctx.source, detail, field);
}

/** The row as an object, or a `row must be an object` error. */
export function asObject(ctx: ParseContext, value: unknown, field?: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = field === undefined ? 'row' : `field '${field}'`;
    fail(ctx, field, `${what} must be an object, got ${typeName(value)}`);
  }
  return value as Record<string, unknown>;
}

/** True when the row has the field with a value other than null/undefined (Parquet writes missing columns as null). */
export function has(row: Record<string, unknown>, field: string): boolean {
  return row[field] !== undefined && row[field] !== null;
}

export function requireField(ctx: ParseContext, row: Record<string, unknown>, field: string): unknown {
  if (!has(row, field)) fail(ctx, field, `field '${field}' is missing`);
  return row[field];
}

export function checkString(ctx: ParseContext, value: unknown, field: string): string {
  if (typeof value !== 'string') fail(ctx, field, `field '${field}' must be a string, got ${typeName(value)}`);
  return value;
}

export function requireString(ctx: ParseContext, row: Record<string, unknown>, field: string): string {
  return checkString(ctx, requireField(ctx, row, field), field);
}

export function optionalString(ctx: ParseContext, row: Record<string, unknown>, field: string): string | undefined {
  return has(row, field) ? checkString(ctx, row[field], field) : undefined;
}

export function requireNumber(ctx: ParseContext, row: Record<string, unknown>, field: string): number {
  const value = requireField(ctx, row, field);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(ctx, field, `field '${field}' must be a finite number, got ${typeof value === 'number' ? String(value) : typeName(value)}`);
  }
  return value;
}

export function requireArray(ctx: ParseContext, value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) fail(ctx, field, `field '${field}' must be an array, got ${typeName(value)}`);
  return value;
}

/** What an empty text is called in errors: `empty prompt` or `empty response`. */
export type TextRole = 'prompt' | 'response';

/** Rejects an empty or whitespace-only text unless `allowEmpty` is set. */
export function checkNotEmpty(ctx: ParseContext, text: string, field: string, role: TextRole): string {
  if (!ctx.options.allowEmpty && text.trim() === '') fail(ctx, field, `empty ${role} in field '${field}'`);
  return text;
}
