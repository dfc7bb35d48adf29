/**
 * Loading a run config: YAML file -> environment overrides -> --set overrides -> schema.
 * Every problem is collected and reported together, each with the file and line (or the
 * override) it came from:
 *
 *   config.yaml:7: training.learning_rate: expected a positive number, got "abc"
 *   config.yaml:9: training.learnig_rate is not a known key; did you mean training.learning_rate?
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parse, parseDocument, stringify, type Document } from 'yaml';
import type { z } from 'zod';
import { foldAliases } from './aliases.js';
import { expectedPhrase, knownKeys, schemaAt } from './json-schema.js';
import { nearest } from './levenshtein.js';
import { RunConfig } from './schema/index.js';

/** One problem in a config, with where it came from. */
export interface ConfigIssue {
  /** The file (`config.yaml`), `--set key=value` or `env NAME`. */
  source: string;
  /** 1-based YAML line, when the problem is in the file. */
  line?: number;
  /** Dotted config path, e.g. `training.learning_rate` or `data.datasets.sft.train_files[0].path`. */
  path: string;
  message: string;
}

/** `source:line: message`, as compilers print it. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.source}${issue.line === undefined ? '' : `:${issue.line}`}: ${issue.message}`;
}

/** Thrown by loadConfig/parseConfig with every problem found; `message` lists them one per line. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** `section.key=value` strings (as given to `--set`); values are parsed as YAML. Applied last. */
  overrides?: readonly string[];
  /** Environment to read `RLHF_CONFIG__SECTION__KEY` variables from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Environment variables starting with this override config keys; `__` separates path segments. */
export const ENV_PREFIX = 'RLHF_CONFIG__';

type Segment = string | number;
interface Override {
  path: Segment[];
  value: unknown;
  source: string;
}

/**
 * Reads, overrides and validates a config file; throws ConfigError listing every problem.
 * @example
 * const config = loadConfig('examples/configs/dpo.yaml', { overrides: ['dpo.beta=0.2'], env: {} });
 */
export function loadConfig(path: string, options: LoadConfigOptions = {}): RunConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ source: path, path: '', message: `cannot read the config: ${(err as Error).message}` }]);
  }
  return parseConfig(text, { ...options, file: path });
}

/**
 * parseConfig(text) is loadConfig for YAML already in memory; `file` names it in messages.
 * @example parseConfig('model: {name_or_path: m}\ndata: {dataset_path: d.jsonl}\n', { env: {} })
 */
export function parseConfig(text: string, options: LoadConfigOptions & { file?: string } = {}): RunConfig {
  const file = options.file ?? 'config.yaml';
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ source: file, line: lineCounter.linePos(e.pos[0]).line, path: '', message: `invalid YAML: ${e.message.split('\n')[0] ?? ''}` })),
    );
  }
  const issues: ConfigIssue[] = [];
  const fromFile: unknown = doc.toJS() ?? {};
  if (!isPlainObject(fromFile)) {
    throw new ConfigError([{ source: file, line: 1, path: '', message: `the config must be a mapping of sections (model:, training:, ...), got ${describeValue(fromFile)}` }]);
  }
  const raw = structuredClone(fromFile);

  // Environment first, then --set, so the command line wins.
  const overrides = [...envOverrides(options.env ?? process.env, issues), ...setOverrides(options.overrides ?? [], issues)];
  const overridden = new Map<string, string>();
  for (const o of overrides) {
    const problem = setIn(raw, o.path, o.value);
    if (problem) issues.push({ source: o.source, path: dotted(o.path), message: problem });
    else overridden.set(dotted(o.path), o.source);
  }

  // Where a path's value came from: the file (0), the environment (1) or --set (2).
  const precedence = (path: string): number => {
    const segments = path.split('.');
    for (let n = segments.length; n > 0; n--) {
      const source = overridden.get(segments.slice(0, n).join('.'));
      if (source !== undefined) return source.startsWith('--set') ? 2 : 1;
    }
    return 0;
  };
  const { conflicts, from: folded } = foldAliases(raw, precedence);
  // A key whose value came from an alias is reported at the alias's line, under both names.
  const aliasOf = (path: readonly Segment[]): { alias: Segment[]; rest: Segment[] } | undefined => {
    for (let n = path.length; n > 0; n--) {
      const alias = folded.get(dotted(path.slice(0, n)));
      if (alias !== undefined) return { alias: alias.split('.'), rest: path.slice(n) };
    }
    return undefined;
  };
  const locate = (given: readonly Segment[]): Pick<ConfigIssue, 'source' | 'line'> => {
    const via = aliasOf(given);
    const path = via ? [...via.alias, ...via.rest] : given;
    for (let n = path.length; n > 0; n--) {
      const source = overridden.get(dotted(path.slice(0, n)));
      if (source !== undefined) return { source };
    }
    return { source: file, line: lineOf(doc, lineCounter, path) };
  };
  for (const c of conflicts) {
    issues.push({
      ...locate(c.alias.split('.')),
      path: c.alias,
      message: `${c.alias} (${describeValue(c.aliasValue)}) contradicts ${c.other} (${describeValue(c.otherValue)}); ${c.alias} is an alias of ${c.key}: set one`,
    });
  }

  const result = RunConfig.safeParse(raw);
  if (result.success) {
    if (issues.length === 0) return result.data;
  } else {
    for (const zi of result.error.issues) {
      for (const issue of toIssues(zi, raw, locate)) {
        const via = aliasOf(zi.path.filter((s): s is Segment => typeof s !== 'symbol'));
        issues.push(via ? { ...issue, message: `${issue.message} (given as ${dotted(via.alias)})` } : issue);
      }
    }
  }
  const order = [...Object.keys(options.env ?? process.env).filter((k) => k.startsWith(ENV_PREFIX)).sort().map((k) => `env ${k}`), ...(options.overrides ?? []).map((s) => `--set ${s}`)];
  throw new ConfigError(dedupeAndSort(issues, file, order));
}

/** `RLHF_CONFIG__TRAINING__LEARNING_RATE=1e-5` -> training.learning_rate = 1e-5, in name order. */
function envOverrides(env: Readonly<Record<string, string | undefined>>, issues: ConfigIssue[]): Override[] {
  const out: Override[] = [];
  for (const name of Object.keys(env).filter((k) => k.startsWith(ENV_PREFIX)).sort()) {
    const value = env[name];
    if (value === undefined) continue;
    const source = `env ${name}`;
    const segments = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    if (segments.some((s) => s === '')) {
      issues.push({ source, path: '', message: `${name} must look like ${ENV_PREFIX}SECTION__KEY (double underscores between path segments)` });
      continue;
    }
    const parsed = parseValue(value, source, issues);
    if (parsed.ok) out.push({ path: segments.map(toSegment), value: parsed.value, source });
  }
  return out;
}

function setOverrides(sets: readonly string[], issues: ConfigIssue[]): Override[] {
  const out: Override[] = [];
  for (const s of sets) {
    const source = `--set ${s}`;
    const eq = s.indexOf('=');
    const key = eq < 0 ? s : s.slice(0, eq);
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(key)) {
      issues.push({ source, path: '', message: `expected section.key=value (e.g. training.learning_rate=1e-5), got ${JSON.stringify(s)}` });
      continue;
    }
    const parsed = parseValue(s.slice(eq + 1), source, issues);
    if (parsed.ok) out.push({ path: key.split('.').map(toSegment), value: parsed.value, source });
  }
  return out;
}

/** Override values are YAML: `1e-5` is a number, `true` a boolean, `null`/empty null, `[a, b]` a list. */
function parseValue(text: string, source: string, issues: ConfigIssue[]): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parse(text) ?? null };
  } catch (err) {
    issues.push({ source, path: '', message: `value is not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}` });
    return { ok: false };
  }
}

const toSegment = (s: string): Segment => (/^\d+$/.test(s) ? Number(s) : s);

function setIn(root: Record<string, unknown>, path: readonly Segment[], value: unknown): string | undefined {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as Segment;
    const container = node as Record<string | number, unknown>;
    let next = container[seg];
    if (next === undefined || next === null) {
      next = typeof path[i + 1] === 'number' ? [] : {};
      container[seg] = next;
    }
    if (typeof next !== 'object') {
      return `cannot set ${dotted(path)}: ${dotted(path.slice(0, i + 1))} is ${describeValue(next)}, not a mapping`;
    }
    node = next;
  }
  (node as Record<string | number, unknown>)[path[path.length - 1] as Segment] = value;
  return undefined;
}

function getIn(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}

/** `data.datasets.sft.train_files[0].path` */
export function dotted(path: readonly PropertyKey[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`)).join('');
}

/** The line of the deepest key along `path` that the file has. */
function lineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let line = node && typeof node === 'object' && 'range' in node ? lineAt(lc, node.range) : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      line = lineAt(lc, (pair.key as { range?: unknown }).range) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) break;
      line = (item && typeof item === 'object' && 'range' in item ? lineAt(lc, item.range) : undefined) ?? line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

function lineAt(lc: LineCounter, range: unknown): number | undefined {
  return Array.isArray(range) && typeof range[0] === 'number' ? lc.linePos(range[0]).line : undefined;
}

function toIssues(zi: z.core.$ZodIssue, raw: unknown, locate: (p: readonly Segment[]) => Pick<ConfigIssue, 'source' | 'line'>): ConfigIssue[] {
  const path = zi.path.filter((s): s is Segment => typeof s !== 'symbol');
  if (zi.code === 'unrecognized_keys') {
    const siblings = knownKeys(schemaAt(path));
    return zi.keys.map((key) => {
      const full = [...path, key];
      const guess = nearest(key, siblings);
      const hint = guess !== undefined
        ? `did you mean ${dotted([...path, guess])}?`
        : `known keys${path.length ? ` in ${dotted(path)}` : ''}: ${siblings.join(', ')}`;
      return { ...locate(full), path: dotted(full), message: `${dotted(full)} is not a known key; ${hint}` };
    });
  }
  if (zi.code === 'custom') return [{ ...locate(path), path: dotted(path), message: zi.message }];
  const node = schemaAt(path);
  const value = getIn(raw, path);
  const name = dotted(path) || 'config';
  if (node === undefined) return [{ ...locate(path), path: name, message: `${name}: ${zi.message}` }];
  const message = value === undefined
    ? `${name} is required: expected ${expectedPhrase(node)}`
    : `${name}: expected ${expectedPhrase(node)}, got ${describeValue(value)}`;
  return [{ ...locate(path), path: name, message }];
}

/** Values as they appear in messages: strings quoted, mappings and lists abbreviated. */
function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  }
  return String(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function dedupeAndSort(issues: ConfigIssue[], file: string, overrideOrder: readonly string[]): ConfigIssue[] {
  const seen = new Set<string>();
  const unique = issues.filter((i) => {
    const key = formatIssue(i);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  // File problems in line order, then overrides in the order they were given.
  const rank = (i: ConfigIssue) => (i.source === file ? (i.line ?? 0) : Number.MAX_SAFE_INTEGER - overrideOrder.length + overrideOrder.indexOf(i.source));
  return unique.map((i, n) => ({ i, n })).sort((a, b) => rank(a.i) - rank(b.i) || a.n - b.n).map(({ i }) => i);
}

/**
 * Writes `<outputDir>/resolved_config.yaml`: the config as the run saw it, every default
 * filled in; loading it again gives the same config. Returns the file's path.
 * @example writeResolvedConfig(config.training.output_dir, config)
 */
export function writeResolvedConfig(outputDir: string, config: RunConfig): string {
  mkdirSync(outputDir, { recursive: true });
  const file = join(outputDir, 'resolved_config.yaml');
  writeFileSync(file, `# The run config with every default filled in (written by rlhf-ts).\n${stringify(config)}`);
  return file;
}
