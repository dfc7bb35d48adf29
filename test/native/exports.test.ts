/**
 * The TS declarations of the addon (NativeBinding, listed at runtime by NATIVE_FUNCTIONS, which
 * the compiler keeps complete) and the functions the loaded addon exports name the same set.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { native } from '../../src/native/binding.js';
import { NATIVE_FUNCTIONS } from '../../src/native/functions.js';

test('every function NativeBinding declares is exported by the addon, and vice versa', () => {
  const declared = new Set<string>(NATIVE_FUNCTIONS);
  assert.equal(declared.size, NATIVE_FUNCTIONS.length, 'NATIVE_FUNCTIONS lists a name twice');
  const exported = new Set(Object.keys(native));
  const missing = [...declared].filter((n) => !exported.has(n)).sort();
  const undeclared = [...exported].filter((n) => !declared.has(n)).sort();
  assert.deepEqual(missing, [], `declared in src/native/binding.ts but not exported by the addon: ${missing.join(', ')}`);
  assert.deepEqual(undeclared, [], `exported by the addon but not declared in NativeBinding (src/native/binding.ts): ${undeclared.join(', ')}`);
  for (const name of declared) assert.equal(typeof (native as unknown as Record<string, unknown>)[name], 'function', name);
});

test('a typed op rejects a wrong argument with the op name and position', () => {
  // The declarations are only types; the addon still checks each argument at runtime.
  const call = native.neg as unknown as (x: unknown) => unknown;
  assert.throws(() => call(3), /neg: argument 0 must be/);
});
