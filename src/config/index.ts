/**
 * Run configuration: one YAML file validated by one zod schema.
 * @example
 * import { loadConfig } from './config/index.js';
 * const config = loadConfig('examples/configs/sft.yaml', { overrides: ['training.max_steps=10'] });
 */
export * from './schema/index.js';
export { ConfigError, ENV_PREFIX, formatIssue, loadConfig, parseConfig, writeResolvedConfig, dotted } from './load.js';
export type { ConfigIssue, LoadConfigOptions } from './load.js';
export { documentedYaml } from './schema-doc.js';
export { runConfigJsonSchema, type JsonSchemaNode } from './json-schema.js';
export { levenshtein, nearest } from './levenshtein.js';
export { resolveModelPaths, tokenizerDirOf } from './model-paths.js';
