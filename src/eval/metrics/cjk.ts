/**
 * Chinese-aware text helpers for evaluation: whether a text has CJK characters (`rlhf eval`
 * picks BLEU's `zh` tokenizer then), and a ROUGE tokenizer that keeps rouge-score's rules for
 * Latin text but gives each CJK character a token of its own (rouge-score drops them all).
 *
 * ```ts
 * hasCjk('什么是 LoRA？');                 // true
 * tokenizeCjkAware('LoRA 是低秩适配。');  // ['lora', '是', '低', '秩', '适', '配']
 * ```
 */

/** Han ideographs (with extension A and compatibility forms), kana and Hangul syllables. */
const CJK_CLASS = '\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff';
const CJK = new RegExp(`[${CJK_CLASS}]`);
const TOKEN = new RegExp(`[a-z0-9]+|[${CJK_CLASS}]`, 'g');

/** True when `text` contains a Chinese, Japanese or Korean character. */
export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/**
 * rouge-score's tokens (lowercase, runs of [a-z0-9]) plus one token per CJK character; other
 * characters (punctuation, symbols) separate tokens. Equal to `rougeTokenize` on text without CJK.
 */
export function tokenizeCjkAware(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}
