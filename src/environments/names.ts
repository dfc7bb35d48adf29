/** The built-in environments `environment.name` may name (each is made in registry.ts). */
export const ENVIRONMENT_NAMES = ['calculator'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];
