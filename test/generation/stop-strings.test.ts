/** StopStringMatcher: matches that end in the newest token, across the prompt and token boundaries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopStringMatcher } from '../../src/generation/index.js';

const letters = (ids: number[]): string => ids.map((i) => 'abcdefgh'[i]).join('');
const bytes = (ids: number[]): string => new TextDecoder().decode(Uint8Array.from(ids));

test('a stop string is found once its last character is generated', () => {
  const m = new StopStringMatcher(['de'], letters, [0]);
  assert.deepEqual([1, 2, 3, 4].map((t) => m.push(t)), [false, false, false, true]);
});

test('a stop string may begin in the prompt but not lie wholly inside it', () => {
  assert.equal(new StopStringMatcher(['cd'], letters, [1, 2]).push(3), true);
  const inside = new StopStringMatcher(['cd'], letters, [2, 3]);
  assert.equal(inside.push(4), false);
});

test('a token may overhang the stop string on both sides', () => {
  const decode = (ids: number[]): string => ids.map((i) => ['a', 'b', 'xyz'][i]).join('');
  const m = new StopStringMatcher(['y'], decode, [0]);
  assert.equal(m.push(1), false);
  assert.equal(m.push(2), true);
});

test('characters split over byte-level tokens complete the match when their last byte arrives', () => {
  const m = new StopStringMatcher(['bé'], bytes, [97]); // 'a'
  assert.equal(m.push(98), false); // 'ab'
  assert.equal(m.push(0xc3), false); // 'ab\uFFFD'
  assert.equal(m.push(0xa9), true); // 'abé'
});

test('long generations only decode a bounded window', () => {
  let longest = 0;
  const decode = (ids: number[]): string => {
    longest = Math.max(longest, ids.length);
    return letters(ids);
  };
  const m = new StopStringMatcher(['hh'], decode, new Array<number>(500).fill(0));
  for (let i = 0; i < 500; i++) assert.equal(m.push(i % 7), false);
  assert.ok(longest <= 16, `decoded ${longest} tokens at once`);
  assert.equal(m.push(7), false);
  assert.equal(m.push(7), true);
});
