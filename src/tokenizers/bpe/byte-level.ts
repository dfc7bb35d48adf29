/**
 * GPT-2's byte-level pre-tokenization, as HF tokenizers' `ByteLevel(add_prefix_space=False)`
 * pre-tokenizer does it: split the text with GPT-2's regex, then write each piece's UTF-8
 * bytes as printable characters (`bytes_to_unicode`: printable Latin-1 bytes stand for
 * themselves, the other 68 bytes become U+0100..U+0143, so a space is `Ġ` and a newline `Ċ`).
 * Every string maps to a word over the same 256-character alphabet, so BPE never needs an
 * unknown token.
 *
 * ```ts
 * byteLevelPieces("Hi there, 你好!");   // ['Hi', ' there', ',', ' 你好', '!']
 * toByteLevel(' 你好');                 // 'Ġä½łå¥½'
 * ```
 */

/**
 * GPT-2's split regex. HF runs it with Oniguruma, whose `\s` is Unicode's White_Space; JS's
 * `\s` differs (it adds U+FEFF and lacks U+0085), hence the explicit property.
 */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** The character standing for each byte value (GPT-2's `bytes_to_unicode`). */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const chars: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) chars.push(String.fromCodePoint(printable(b) ? b : next++));
  return chars;
})();

/** The 256 byte characters in code-point order: the order HF's BpeTrainer gives them ids. */
export const BYTE_ALPHABET: readonly string[] = [...BYTE_TO_CHAR].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));

/** The pieces GPT-2's regex cuts `text` into (no byte mapping yet). Together they are `text`. */
export function byteLevelPieces(text: string): string[] {
  return text.match(GPT2_SPLIT) ?? [];
}

const encoder = new TextEncoder();

/** `piece` written as byte characters. */
export function toByteLevel(piece: string): string {
  let out = '';
  for (const byte of encoder.encode(piece)) out += BYTE_TO_CHAR[byte] as string;
  return out;
}
