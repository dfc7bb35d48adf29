/**
 * Masked language modelling inputs, as transformers' DataCollatorForLanguageModeling makes them:
 * `maskProb` of the tokens that are neither special nor padding are selected; of those
 * `maskReplaceProb` become the mask token, `randomReplaceProb` a random token of the vocabulary,
 * and the rest stay; labels hold the original id at the selected positions and -100 elsewhere.
 * With `wholeWord` a word is selected or not as a whole (all its sub-word tokens).
 *
 * The draws come from a seeded stream (`seed`, one per micro-batch; the trainer takes it from
 * the torch RNG, which checkpoints keep, so a resumed run masks as the uninterrupted one did).
 *
 * ```ts
 * const { inputIds, labels } = maskTokens(rows, { maskTokenId: 4, vocabSize: 512, specialIds: [0, 1, 2, 3], seed: 7 });
 * ```
 */
import { seededRandom } from './sampler.js';
import type { TextTokenizer } from '../../tokenizers/index.js';
import { IGNORE_INDEX } from './types.js';

export interface MaskTokensOptions {
  maskTokenId: number;
  /** Random replacements are drawn from 0..vocabSize-1. */
  vocabSize: number;
  /** Ids never selected (CLS, SEP, PAD, BOS, EOS, ...). */
  specialIds: readonly number[];
  /** mlm.mask_prob (default 0.15). */
  maskProb?: number;
  /** mlm.mask_replace_prob (default 0.8). */
  maskReplaceProb?: number;
  /** mlm.random_replace_prob (default 0.1). */
  randomReplaceProb?: number;
  /** Per row, whether each token starts a word (whole-word masking); absent: every token is a word. */
  wordStarts?: readonly (readonly boolean[])[];
  seed: number;
}

export interface MaskedRows {
  inputIds: number[][];
  labels: number[][];
  /** Tokens selected for prediction. */
  numMasked: number;
}

export function maskTokens(rows: readonly (readonly number[])[], options: MaskTokensOptions): MaskedRows {
  const { maskProb = 0.15, maskReplaceProb = 0.8, randomReplaceProb = 0.1 } = options;
  if (maskReplaceProb + randomReplaceProb > 1 + 1e-12) throw new RangeError(`maskTokens: maskReplaceProb + randomReplaceProb (${maskReplaceProb + randomReplaceProb}) exceeds 1`);
  const random = seededRandom(options.seed);
  const special = new Set(options.specialIds);
  // Of the selected tokens not turned into the mask, the share that becomes random (transformers' scaling).
  const randomShare = maskReplaceProb < 1 ? randomReplaceProb / (1 - maskReplaceProb) : 0;
  let numMasked = 0;
  const inputIds: number[][] = [];
  const labels: number[][] = [];
  rows.forEach((row, b) => {
    const starts = options.wordStarts?.[b];
    const input = [...row];
    const label = row.map(() => IGNORE_INDEX);
    let selectWord = false;
    for (let t = 0; t < row.length; t++) {
      const id = row[t] as number;
      if (special.has(id)) {
        selectWord = false;
        continue;
      }
      // A word's first token draws for the whole word; continuation tokens follow it.
      if (starts === undefined || starts[t] !== false || t === 0) selectWord = random() < maskProb;
      if (!selectWord) continue;
      numMasked += 1;
      label[t] = id;
      if (random() < maskReplaceProb) input[t] = options.maskTokenId;
      else if (random() < randomShare) input[t] = Math.floor(random() * options.vocabSize);
    }
    inputIds.push(input);
    labels.push(label);
  });
  return { inputIds, labels, numMasked };
}

/**
 * Whether each token starts a word, from the tokens' strings: WordPiece marks continuations with
 * `##`; byte-level BPE (`Ġ`) and SentencePiece (`▁`) mark word starts, so there a token without
 * the marker continues the word before it (a special token always ends a word).
 */
export function wordStartsOf(ids: readonly number[], idToToken: (id: number) => string | undefined, specialIds: readonly number[]): boolean[] {
  const special = new Set(specialIds);
  const tokens = ids.map((id) => idToToken(id) ?? '');
  const marksStarts = tokens.some((t) => t.startsWith('Ġ') || t.startsWith('▁'));
  return tokens.map((token, t) => {
    if (t === 0 || special.has(ids[t] as number) || special.has(ids[t - 1] as number)) return true;
    if (token.startsWith('##')) return false;
    return marksStarts ? token.startsWith('Ġ') || token.startsWith('▁') : true;
  });
}

/**
 * The id masked positions get: `named` (mlm.mask_token) when given, else the tokenizer's mask
 * token (tokenizer_config.json's mask_token, else `[MASK]` or `<mask>` in its vocabulary).
 */
export function maskTokenIdOf(tokenizer: Pick<TextTokenizer, 'tokenToId'> & { maskTokenId?: number | null }, named: string | null): number {
  if (named !== null) {
    const id = tokenizer.tokenToId(named);
    if (id === undefined) throw new Error(`mlm.mask_token ${JSON.stringify(named)} is not a token of the tokenizer; name one that is`);
    return id;
  }
  const id = tokenizer.maskTokenId ?? tokenizer.tokenToId('[MASK]') ?? tokenizer.tokenToId('<mask>');
  if (id === undefined || id === null) {
    throw new Error('mlm: the tokenizer has no mask token ([MASK] or <mask>); set mlm.mask_token to a token of its vocabulary (for a decoder, an unused special token)');
  }
  return id;
}
