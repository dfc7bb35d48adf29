/**
 * The run config as JSON Schema (zod's own export), and helpers that read it: the
 * expected-value phrases in error messages and the documented YAML of `rlhf config schema`.
 */
import { z } from 'zod';
import { CONFIG_ALIASES } from './aliases.js';
import { RunConfig } from './schema/index.js';

/** The subset of JSON Schema that zod emits for our config. */
export interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: boolean | JsonSchemaNode;
  items?: JsonSchemaNode;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  anyOf?: JsonSchemaNode[];
  /** On an alias (see aliases.ts): the key it sets. */
  'x-alias-of'?: string;
}

let cached: JsonSchemaNode | undefined;

/** JSON Schema (draft 2020-12) of what a config file may contain, aliases included. */
export function runConfigJsonSchema(): JsonSchemaNode {
  cached ??= withAliases(z.toJSONSchema(RunConfig, { io: 'input' }) as JsonSchemaNode);
  return cached;
}

/** Each alias as a property beside its siblings: the type of the key it sets, no default. */
function withAliases(root: JsonSchemaNode): JsonSchemaNode {
  const at = (path: readonly string[]) => path.reduce<JsonSchemaNode | undefined>((n, seg) => n && objectBranch(n).properties?.[seg], root);
  for (const { alias, key, origin } of CONFIG_ALIASES) {
    const aliasPath = alias.split('.');
    const target = at(key.split('.'));
    const parent = at(aliasPath.slice(0, -1));
    if (target === undefined || parent?.properties === undefined) throw new Error(`config alias ${alias} -> ${key}: no such key in the schema`);
    const { default: _default, description: _description, ...type } = target;
    parent.properties[aliasPath[aliasPath.length - 1] as string] = { ...type, description: `Alias of ${key} (${origin}).`, 'x-alias-of': key };
  }
  return root;
}

/** The schema node at a config path (numeric segments step into arrays), if any. */
export function schemaAt(path: readonly (string | number)[]): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = runConfigJsonSchema();
  for (const seg of path) {
    if (node === undefined) return undefined;
    node = objectBranch(node);
    if (typeof seg === 'number') node = node.items;
    else node = node.properties?.[seg] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
  }
  return node;
}

/** The keys an object node accepts. */
export function knownKeys(node: JsonSchemaNode | undefined): string[] {
  return node === undefined ? [] : Object.keys(objectBranch(node).properties ?? {});
}

function objectBranch(node: JsonSchemaNode): JsonSchemaNode {
  return node.anyOf?.find((n) => n.properties !== undefined || n.items !== undefined) ?? node;
}

function types(node: JsonSchemaNode): string[] {
  if (node.anyOf) return node.anyOf.flatMap(types);
  if (node.enum) return ['enum'];
  return node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
}

/**
 * What a value at this node must be, as a phrase: "a positive number", "an integer >= 1",
 * "one of sigmoid | ipo", "a string or null".
 */
export function expectedPhrase(node: JsonSchemaNode): string {
  const parts: string[] = [];
  const ts = types(node);
  const main = node.anyOf?.find((n) => !types(n).includes('null')) ?? node;
  if (main.enum) parts.push(`one of ${main.enum.map(String).join(' | ')}`);
  else if (ts.includes('integer') || ts.includes('number')) parts.push(numberPhrase(main, ts.includes('integer')));
  else if (ts.includes('boolean')) parts.push('true or false');
  else if (ts.includes('string')) parts.push(main.minLength !== undefined && main.minLength > 0 ? 'a non-empty string' : 'a string');
  else if (ts.includes('array')) parts.push('a list');
  else if (ts.includes('object')) parts.push('a mapping');
  else parts.push('a valid value');
  // A fixed word beside a number (per_device_train_batch_size: auto).
  for (const n of node.anyOf ?? []) if (n !== main && n.const !== undefined) parts.push(String(n.const));
  if (ts.includes('null')) parts.push('null');
  return parts.join(' or ');
}

function numberPhrase(n: JsonSchemaNode, integer: boolean): string {
  const what = integer ? 'integer' : 'number';
  const a = integer ? 'an' : 'a';
  const lo = n.exclusiveMinimum ?? n.minimum;
  const hi = n.exclusiveMaximum ?? n.maximum;
  const loIncl = n.exclusiveMinimum === undefined;
  const hiIncl = n.exclusiveMaximum === undefined;
  const big = (x: number | undefined) => x === undefined || Math.abs(x) >= Number.MAX_SAFE_INTEGER;
  const l = big(lo) ? undefined : lo;
  const h = big(hi) ? undefined : hi;
  if (l === 0 && h === undefined) return loIncl ? `a non-negative ${what}` : `a positive ${what}`;
  if (l !== undefined && h !== undefined) return `${a} ${what} in ${loIncl ? '[' : '('}${l}, ${h}${hiIncl ? ']' : ')'}`;
  if (l !== undefined) return `${a} ${what} ${loIncl ? '>=' : '>'} ${l}`;
  if (h !== undefined) return `${a} ${what} ${hiIncl ? '<=' : '<'} ${h}`;
  return integer ? 'an integer' : 'a number';
}
