/**
 * Python's idea of whitespace (`str.isspace`, used by `str.split()` and `str.strip()`), which
 * the reference implementations (sacrebleu) rely on. It differs from JS `\s`: Python counts
 * U+001C–U+001F and U+0085, and does not count U+FEFF.
 *
 * ```ts
 * pySplit(' a\u001cb ');  // ['a', 'b']   (' a\u001cb '.split(/\s+/) keeps 'a\u001cb')
 * ```
 */
const PY_SPACE = '\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const RUNS = new RegExp(`[${PY_SPACE}]+`);
const LEADING = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING = new RegExp(`[${PY_SPACE}]+$`);

/** `text.split()` in Python: runs of whitespace separate, no empty strings. */
export function pySplit(text: string): string[] {
  return text.split(RUNS).filter((t) => t !== '');
}

/** `text.strip()` in Python. */
export function pyStrip(text: string): string {
  return pyRstrip(text.replace(LEADING, ''));
}

/** `text.rstrip()` in Python. */
export function pyRstrip(text: string): string {
  return text.replace(TRAILING, '');
}
