/**
 * sacrebleu's `zh` BLEU tokenizer: every Chinese character (by the Unicode ranges below) becomes
 * its own token, and the rest goes through the 13a regular-expression pass. Follows sacrebleu
 * 2.6 (tokenizers/tokenizer_zh.py), including its quirks.
 *
 * ```ts
 * tokenizeZh('机器学习很有趣。ok, 3.14');  // '机 器 学 习 很 有 趣 。 ok , 3.14'
 * ```
 */
import { pyStrip } from './python-whitespace.js';
import { tokenizeRegexp } from './tokenize-13a.js';

/**
 * Inclusive code-point ranges sacrebleu counts as Chinese. Two of its entries are written in
 * Python as '\u20000'–'\u2a6d6' and '\u2f800'–'\u2fa1d', which Python reads as two-character
 * strings ('\u2000' + '0', ...); compared with one character they select U+2001–U+2A6D and
 * U+2F81–U+2FA1 instead of the intended astral blocks. sacrebleu's scores depend on that
 * (e.g. '—' U+2014 and '…' U+2026 are split off), so we keep it.
 */
const CHINESE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x3400, 0x4db5], // CJK Unified Ideographs Extension A
  [0x4e00, 0x9fa5], // CJK Unified Ideographs
  [0x9fa6, 0x9fbb], // CJK Unified Ideographs (Unicode 4.1)
  [0xf900, 0xfa2d], // CJK Compatibility Ideographs
  [0xfa30, 0xfa6a],
  [0xfa70, 0xfad9],
  [0x2001, 0x2a6d], // sacrebleu's '\u20000'-'\u2a6d6' (see above): punctuation, symbols, arrows, math
  [0x2f81, 0x2fa1], // sacrebleu's '\u2f800'-'\u2fa1d'
  [0xff00, 0xffef], // full-width ASCII and punctuation, half-width kana, Hangul
  [0x2e80, 0x2eff], // CJK Radicals Supplement
  [0x3000, 0x303f], // CJK punctuation
  [0x31c0, 0x31ef], // CJK strokes
  [0x2f00, 0x2fdf], // Kangxi radicals
  [0x2ff0, 0x2fff], // ideographic description characters
  [0x3100, 0x312f], // Bopomofo
  [0x31a0, 0x31bf], // Bopomofo extended
  [0xfe10, 0xfe1f], // vertical forms
  [0xfe30, 0xfe4f], // CJK compatibility forms
  [0x2600, 0x26ff], // miscellaneous symbols
  [0x2700, 0x27bf], // dingbats
  [0x3200, 0x32ff], // enclosed CJK letters and months
  [0x3300, 0x33ff], // CJK compatibility
];

/** Whether sacrebleu's zh tokenizer puts `char` (one code point) in a token of its own. */
export function isChineseChar(char: string): boolean {
  const cp = char.codePointAt(0) ?? -1;
  return CHINESE_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/** sacrebleu's `zh` tokenizer. */
export function tokenizeZh(line: string): string {
  let spaced = '';
  for (const char of pyStrip(line)) spaced += isChineseChar(char) ? ` ${char} ` : char; // by code point, as Python iterates
  return tokenizeRegexp(spaced);
}
