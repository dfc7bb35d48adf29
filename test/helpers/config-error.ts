/** The ConfigError a config text raises, for tests of config messages. */
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/config/index.js';

/** Parsing without the process environment, so RLHF_CONFIG__* variables cannot leak in. */
export const noEnv = { env: {} };

/** The ConfigError `text` raises (fails the test when it loads). */
export function errorOf(text: string, options: Parameters<typeof parseConfig>[1] = noEnv): ConfigError {
  try {
    parseConfig(text, options);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}
