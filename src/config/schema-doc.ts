/** `rlhf config schema`: the run config as a documented YAML file with every default. */
import { stringify } from 'yaml';
import { CONFIG_ALIASES } from './aliases.js';
import { expectedPhrase, runConfigJsonSchema, type JsonSchemaNode } from './json-schema.js';

const isObject = (n: JsonSchemaNode) => n.properties !== undefined;

function scalar(value: unknown): string {
  if (typeof value === 'string' && /[\n\t]/.test(value)) return JSON.stringify(value);
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) return '{}';
  return stringify(value, { flow: true }).trim();
}

function render(node: JsonSchemaNode, indent: string, out: string[], commented: boolean): void {
  const required = new Set(node.required ?? []);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (child['x-alias-of'] !== undefined) continue; // listed once, at the top
    const c = commented || (!required.has(key) && child.default === undefined);
    const prefix = `${indent}${c ? '# ' : ''}`;
    if (child.description) out.push(`${indent}# ${child.description}`);
    if (isObject(child)) {
      // A mapping whose keys are all optional is written `{}` so the file still parses to one.
      const props = Object.entries(child.properties ?? {}).filter(([, v]) => v['x-alias-of'] === undefined);
      const allOptional = props.every(([k, v]) => !(child.required ?? []).includes(k) && v.default === undefined);
      out.push(`${prefix}${key}:${allOptional && !c ? ' {}' : ''}`);
      render(child, `${indent}  `, out, c);
      continue;
    }
    const item = child.items;
    if (item && isObject(item)) {
      const fields = Object.entries(item.properties ?? {}).map(([k, v]) => (v.default === undefined ? k : `${k}: ${scalar(v.default)}`));
      out.push(`${indent}# each item: {${fields.join(', ')}}`);
    }
    const value = child.default !== undefined ? scalar(child.default) : required.has(key) ? 'null  # required' : '';
    const hint = `  # ${expectedPhrase(child)}`;
    out.push(`${prefix}${key}: ${value}${required.has(key) ? '' : hint}`.trimEnd());
  }
}

/**
 * The documented YAML: each section and key with its description, the values it accepts and
 * its default. Optional keys without a default are shown commented out.
 * @example console.log(documentedYaml());
 */
export function documentedYaml(): string {
  const root = runConfigJsonSchema();
  const out = [
    '# rlhf-ts run config: every key with its default.',
    '# Validate with: rlhf config validate FILE [--set section.key=value ...]',
    '#',
    '# Aliases: accepted in place of the key they name (giving both with different values is an error):',
    ...CONFIG_ALIASES.map((a) => `#   ${a.alias} -> ${a.key}: ${a.origin}`),
    '',
  ];
  for (const [section, node] of Object.entries(root.properties ?? {})) {
    if (node.description) out.push(`# ${node.description}`);
    out.push(`${section}:`);
    render(node, '  ', out, false);
    out.push('');
  }
  return out.join('\n');
}
