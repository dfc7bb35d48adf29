/**
 * Other spellings of config keys: the Python framework's and Hugging Face's. Each alias is
 * declared once here; loading moves its value to the key it names before validation, and
 * `rlhf config schema` lists the table. An alias and its key (or two aliases of one key) set
 * to different values in the same place is an error that quotes both.
 *
 * @example
 * foldAliases({ model: { model_name_or_path: 'm' } }, () => 0);
 * // -> the object is now { model: { name_or_path: 'm' } }; no conflicts
 */

/** One accepted alternative spelling of a config key. */
export interface ConfigAlias {
  /** The spelling a file or an override may use, e.g. `model.model_name_or_path`. */
  alias: string;
  /** The key it sets, e.g. `model.name_or_path`. */
  key: string;
  /** Where the spelling comes from. */
  origin: string;
}

export const CONFIG_ALIASES: readonly ConfigAlias[] = [
  {
    alias: 'model.name',
    key: 'model.name_or_path',
    origin: "the Python framework's per-algorithm configs (a hub or display name); with no name_or_path it is the model directory",
  },
  { alias: 'model.model_name_or_path', key: 'model.name_or_path', origin: 'the Hugging Face / TRL spelling' },
  { alias: 'sft.max_length', key: 'data.max_length', origin: "TRL's SFTConfig.max_length and the Python framework's sft: section" },
  { alias: 'gkd.temperature', key: 'generation.temperature', origin: "TRL's GKDConfig.temperature (the student's and, with seq_kd, the teacher's sampling temperature)" },
  { alias: 'gkd.max_new_tokens', key: 'generation.max_new_tokens', origin: "TRL's GKDConfig.max_new_tokens" },
  { alias: 'training.distributed', key: 'distributed.enabled', origin: "the Python framework's training: section" },
  { alias: 'training.distributed_strategy', key: 'distributed.strategy', origin: "the Python framework's training: section" },
  { alias: 'training.distributed_backend', key: 'distributed.backend', origin: "the Python framework's training: section" },
];

/** An alias and a key (or another alias of it) that say different things. */
export interface AliasConflict {
  /** The alias path that lost, e.g. `training.distributed`. */
  alias: string;
  aliasValue: unknown;
  /** The path that holds the other value: the key or an earlier alias of it. */
  other: string;
  otherValue: unknown;
  /** The key both name. */
  key: string;
}

/** What folding did: the conflicts, and which alias each folded key came from. */
export interface FoldResult {
  conflicts: AliasConflict[];
  /** key -> the alias its value was read from (for error lines and messages). */
  from: Map<string, string>;
}

/**
 * Moves every alias in `raw` (a parsed config, modified in place) to its key. `precedence(path)`
 * says where a path's value came from (higher wins: the file 0, environment and --set above):
 * an alias and a key from different places follow the usual precedence; from the same place
 * they must agree.
 */
export function foldAliases(raw: Record<string, unknown>, precedence: (path: string) => number): FoldResult {
  const conflicts: AliasConflict[] = [];
  const from = new Map<string, string>();
  for (const { alias, key } of CONFIG_ALIASES) {
    const aliasPath = alias.split('.');
    const aliasValue = getPath(raw, aliasPath);
    if (aliasValue === undefined) continue;
    deletePath(raw, aliasPath);
    const keyPath = key.split('.');
    const current = getPath(raw, keyPath);
    if (current === undefined) {
      setPath(raw, keyPath, aliasValue);
      from.set(key, alias);
      continue;
    }
    const other = from.get(key) ?? key;
    const ours = precedence(alias);
    const theirs = precedence(other);
    if (ours > theirs) {
      setPath(raw, keyPath, aliasValue);
      from.set(key, alias);
    } else if (ours === theirs && JSON.stringify(current) !== JSON.stringify(aliasValue)) {
      conflicts.push({ alias, aliasValue, other, otherValue: current, key });
    }
  }
  return { conflicts, from };
}

function getPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const seg of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

function deletePath(root: Record<string, unknown>, path: readonly string[]): void {
  const parent = getPath(root, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[path[path.length - 1] as string];
}

/** Sets a value, creating the mappings above it; a non-mapping on the way is left for validation to report. */
function setPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = root;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === undefined || next === null) node[seg] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) return;
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}
