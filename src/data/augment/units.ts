/**
 * The units text augmentations act on: whitespace-separated words, except that every Chinese or
 * Japanese character (Han, kana, CJK punctuation, full-width forms) is a unit of its own. Those
 * scripts write no spaces between words, and a character is the closest unit to a word that needs
 * no segmenter. Korean separates its words with spaces, so Hangul stays in words.
 *
 * ```ts
 * splitUnits('LoRA 是低秩适配').map((u) => u.text); // ['LoRA', '是', '低', '秩', '适', '配']
 * joinUnits(splitUnits('a  b\nc'));                   // 'a  b\nc' (untouched neighbours keep their spacing)
 * ```
 */

/** Han (with extensions and compatibility ideographs), kana, CJK punctuation and full-width forms. */
const CJK_CLASS = '\\u3001-\\u303f\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef\\u{20000}-\\u{3134f}';
const UNIT = new RegExp(`(\\s*)([${CJK_CLASS}]|[^\\s${CJK_CLASS}]+)`, 'gu');
const CJK = new RegExp(`^[${CJK_CLASS}]$`, 'u');

export interface TextUnit {
  /** The word or character (or a mask string put in its place). */
  text: string;
  /** A single CJK character: joined to a CJK neighbour without a space. */
  cjk: boolean;
  /** Position in the source text's units; neighbours that were neighbours there keep their gap. */
  index: number;
  /** The whitespace before it in the source ('' for the first unit). */
  gap: string;
}

/** The units of `text`, in order; leading and trailing whitespace belong to none. */
export function splitUnits(text: string): TextUnit[] {
  return [...text.matchAll(UNIT)].map((m, index) => ({
    text: m[2] as string,
    cjk: CJK.test(m[2] as string),
    index,
    gap: index === 0 ? '' : (m[1] as string),
  }));
}

/**
 * Units back into text. Two units that were adjacent in the source keep the whitespace that was
 * between them; units brought together by a deletion, swap or crop get a space, or nothing
 * between two CJK characters.
 */
export function joinUnits(units: readonly TextUnit[]): string {
  let out = '';
  units.forEach((u, i) => {
    const prev = units[i - 1];
    if (prev !== undefined) out += u.index === prev.index + 1 ? u.gap : prev.cjk && u.cjk ? '' : ' ';
    out += u.text;
  });
  return out;
}
