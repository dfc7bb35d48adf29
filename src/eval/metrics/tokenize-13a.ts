/**
 * sacrebleu's default BLEU tokenizer, `13a` (the mteval-v13a.pl rules WMT uses), and the
 * regular-expression pass it shares with the `zh` tokenizer. Follows sacrebleu 2.6
 * (tokenizers/tokenizer_13a.py, tokenizer_re.py) rule for rule.
 *
 * ```ts
 * tokenize13a('Hello, world! It costs $3.50.');  // 'Hello , world ! It costs $ 3.50 .'
 * ```
 */
import { pySplit } from './python-whitespace.js';

/**
 * The shared pass, applied in order (each a left-to-right, non-overlapping replace-all):
 * 1. split off the symbols in the ASCII ranges { - ~, [ - `, space - &, ( - +, : - @, and '/';
 * 2. split off '.' and ',' unless preceded by a digit;
 * 3. split off '.' and ',' unless followed by a digit;
 * 4. split off '-' after a digit.
 * The apostrophe, '-' elsewhere, and '.'/',' between digits stay inside tokens.
 */
const REGEXP_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/([{-~[-` -&(-+:-@\/])/g, ' $1 '],
  [/([^0-9])([.,])/g, '$1 $2 '],
  [/([.,])([^0-9])/g, ' $1 $2'],
  [/([0-9])(-)/g, '$1 $2 '],
];

/** sacrebleu's `TokenizerRegexp`: the rules above, then single spaces between tokens. */
export function tokenizeRegexp(line: string): string {
  let out = line;
  for (const [pattern, replacement] of REGEXP_RULES) out = out.replace(pattern, replacement);
  return pySplit(out).join(' ');
}

/** sacrebleu's `13a` tokenizer: drops `<skipped>`, joins `-\n` hyphenations, unescapes 4 HTML entities, then tokenizeRegexp. */
export function tokenize13a(line: string): string {
  let out = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (out.includes('&')) {
    // In this order, as mteval does: '&amp;quot;' becomes '&quot;', not '"'.
    out = out.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  return tokenizeRegexp(` ${out} `);
}
