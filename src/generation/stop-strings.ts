/**
 * Stop-string detection. HF's StopStringCriteria stops a row as soon as a token completes one
 * of the strings in the decoded text, even when the string began in the prompt or the token
 * overhangs it ("stop" matched by tokens "s" + "top!"). This does the same on decoded text.
 *
 * Only a match that ends inside the newest token's text can be new (older ones were checked
 * the step before), so each step decodes a short window of the last tokens instead of the
 * whole sequence: two decodes of a bounded length per row and step.
 *
 * ```ts
 * const m = new StopStringMatcher(['\nUser:'], decode, promptIds);
 * m.push(nextId); // true once the text ends a stop string
 * ```
 */

/** Token ids to text (a tokenizer's decode). */
export type Decode = (ids: number[]) => string;

export class StopStringMatcher {
  /** The last tokens of the prompt and then the generated ones, at most `window` long. */
  private recent: number[];
  /**
   * Tokens decoded per check: enough to hold the longest stop string even when every character
   * takes four byte-level tokens, plus slack for decoders that alter a window's first token.
   */
  private readonly window: number;

  constructor(
    private readonly stopStrings: readonly string[],
    private readonly decode: Decode,
    prompt: readonly number[],
  ) {
    const longest = Math.max(0, ...stopStrings.map((s) => s.length));
    this.window = 4 * longest + 8;
    this.recent = prompt.slice(-this.window);
  }

  /** Adds a generated token; true when a stop string now ends within its text. */
  push(tokenId: number): boolean {
    this.recent.push(tokenId);
    if (this.recent.length > this.window) this.recent = this.recent.slice(-this.window);
    const before = this.decode(this.recent.slice(0, -1));
    const after = this.decode(this.recent);
    const unchanged = commonPrefixLength(before, after);
    // A match must end past the text the previous tokens already produced.
    return this.stopStrings.some((s) => after.indexOf(s, Math.max(0, unchanged - s.length + 1)) !== -1);
  }
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
