/**
 * Environments by name (the built-ins) or from a user's ES module, as `environment:` names them.
 *
 * ```ts
 * const factory = await loadEnvironment({ name: 'calculator', module: null, export: 'default' });
 * ```
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { calculatorEnvironment } from './calculator.js';
import { ENVIRONMENT_NAMES, type EnvironmentName } from './names.js';
import type { EnvironmentFactory } from './types.js';

const BUILTIN_ENVIRONMENTS: Readonly<Record<EnvironmentName, () => EnvironmentFactory>> = {
  calculator: calculatorEnvironment,
};

export interface EnvironmentSource {
  name: string | null;
  module: string | null;
  export: string;
}

const isFactory = (v: unknown): v is EnvironmentFactory =>
  typeof v === 'object' && v !== null && typeof (v as EnvironmentFactory).create === 'function' && Array.isArray((v as EnvironmentFactory).tools);

/** A built-in by name, or a module's export: an EnvironmentFactory, or a function (sync or async) returning one. */
export async function loadEnvironment(source: EnvironmentSource): Promise<EnvironmentFactory> {
  if (source.name !== null) {
    const make = BUILTIN_ENVIRONMENTS[source.name as EnvironmentName] as (() => EnvironmentFactory) | undefined;
    if (make === undefined) throw new Error(`environment.name: unknown environment '${source.name}'; built-ins: ${ENVIRONMENT_NAMES.join(', ')}`);
    return make();
  }
  if (source.module === null) throw new Error('environment: give name (a built-in) or module (a file)');
  const path = resolve(source.module);
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const exported = mod[source.export];
  const value = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (!isFactory(value)) {
    throw new Error(`environment.module: ${path} export '${source.export}' is not an EnvironmentFactory ({ name, tools, create() }) or a function returning one (exports: ${Object.keys(mod).join(', ') || 'none'})`);
  }
  return value;
}
