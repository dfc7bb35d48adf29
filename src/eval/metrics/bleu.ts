/**
 * Corpus and sentence BLEU (Papineni et al. 2002), equal to sacrebleu 2.6: the same
 * tokenizers (`13a` by default, `zh` for Chinese), clipped n-gram counts against the maximum
 * over the references, the closest reference length (ties to the shorter) for the brevity
 * penalty, and sacrebleu's smoothing methods. Scores are on sacrebleu's 0–100 scale.
 *
 * ```ts
 * corpusBleu(['the cat sat on the mat'], [['the cat is on the mat']]).score;         // 13a, exp smoothing
 * corpusBleu(hyps, [refs], { tokenize: 'zh' });                                      // Chinese
 * sentenceBleu('the cat sat', ['the cat sat down']).score;                          // effective order on
 * ```
 */
import { countNgrams } from './ngrams.js';
import { pyRstrip, pySplit } from './python-whitespace.js';
import { tokenize13a } from './tokenize-13a.js';
import { tokenizeZh } from './tokenize-zh.js';

export const BLEU_TOKENIZERS = ['13a', 'zh', 'none'] as const;
export type BleuTokenizer = (typeof BLEU_TOKENIZERS)[number];

const TOKENIZE: Record<BleuTokenizer, (line: string) => string> = { '13a': tokenize13a, zh: tokenizeZh, none: (line) => line };

/** Chen & Cherry (2014): exp = NIST/mteval (method 3), floor = method 1, add-k = method 2. */
export const BLEU_SMOOTHING = ['exp', 'floor', 'add-k', 'none'] as const;
export type BleuSmoothing = (typeof BLEU_SMOOTHING)[number];

/** sacrebleu's default smoothing values, used when `smoothValue` is not given. */
const SMOOTH_DEFAULTS: Record<BleuSmoothing, number> = { exp: 0, floor: 0.1, 'add-k': 1, none: 0 };

export interface BleuOptions {
  /** Tokenizer applied to hypotheses and references. Default '13a' (sacrebleu's default); 'zh' for Chinese. */
  tokenize?: BleuTokenizer;
  /** Lowercase before tokenizing. Default false. */
  lowercase?: boolean;
  /** How orders with no matching n-gram are scored. Default 'exp' (sacrebleu's default). */
  smoothMethod?: BleuSmoothing;
  /** The value for 'floor' (default 0.1) and 'add-k' (default 1). */
  smoothValue?: number;
  /** Longest n-gram order. Default 4. */
  maxNgramOrder?: number;
  /** Average only over the orders up to the last with any hypothesis n-gram. Default false for corpusBleu, true for sentenceBleu. */
  effectiveOrder?: boolean;
}

export interface BleuScore {
  /** BLEU on a 0–100 scale. */
  score: number;
  /** Clipped matching n-grams per order (1..maxNgramOrder). */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** Modified n-gram precisions per order, 0–100 (after smoothing). */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** Hypothesis tokens in the corpus. */
  sysLen: number;
  /** Closest-reference tokens in the corpus. */
  refLen: number;
}

/** Sufficient statistics: summed over segments, they give the corpus score. */
export interface BleuStats {
  sysLen: number;
  refLen: number;
  counts: number[];
  totals: number[];
}

/** log, with log(0) floored to sacrebleu's -9999999999 so that a zero precision gives a score of ~0. */
const floorLog = (x: number): number => (x === 0 ? -9999999999 : Math.log(x));

/** The reference length closest to the hypothesis length; ties go to the shorter reference. */
function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let best = -1;
  let bestDiff = -1;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (bestDiff === -1 || diff < bestDiff || (diff === bestDiff && len < best)) {
      bestDiff = diff;
      best = len;
    }
  }
  return best;
}

/** Statistics of one segment: `hypothesis` against its `references` (both raw text). */
export function bleuSegmentStats(hypothesis: string, references: readonly string[], options: BleuOptions = {}): BleuStats {
  const maxOrder = options.maxNgramOrder ?? 4;
  const tokenize = TOKENIZE[options.tokenize ?? '13a'];
  if (tokenize === undefined) throw new Error(`BLEU tokenize must be one of ${BLEU_TOKENIZERS.join(', ')}, got '${String(options.tokenize)}'`);
  const tokens = (line: string): string[] => pySplit(tokenize(pyRstrip(options.lowercase === true ? line.toLowerCase() : line)));
  const refMax = new Map<string, number>();
  const refLens: number[] = [];
  for (const ref of references) {
    const refTokens = tokens(ref);
    refLens.push(refTokens.length);
    const counts = new Map<string, number>();
    for (let n = 1; n <= maxOrder; n++) countNgrams(refTokens, n, counts);
    for (const [ngram, count] of counts) refMax.set(ngram, Math.max(refMax.get(ngram) ?? 0, count));
  }
  const hypTokens = tokens(hypothesis);
  const counts = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  for (let n = 1; n <= maxOrder; n++) {
    for (const [ngram, count] of countNgrams(hypTokens, n)) {
      totals[n - 1] = (totals[n - 1] ?? 0) + count;
      counts[n - 1] = (counts[n - 1] ?? 0) + Math.min(count, refMax.get(ngram) ?? 0);
    }
  }
  return { sysLen: hypTokens.length, refLen: closestRefLen(hypTokens.length, refLens), counts, totals };
}

/** BLEU from (summed) statistics: sacrebleu's `BLEU.compute_bleu`. */
export function bleuFromStats(stats: BleuStats, options: BleuOptions = {}): BleuScore {
  const method = options.smoothMethod ?? 'exp';
  if (!BLEU_SMOOTHING.includes(method)) throw new Error(`BLEU smoothMethod must be one of ${BLEU_SMOOTHING.join(', ')}, got '${String(method)}'`);
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[method];
  const maxOrder = stats.counts.length;
  const counts = [...stats.counts];
  const totals = [...stats.totals];
  const { sysLen, refLen } = stats;
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const result = (score: number): BleuScore => ({ score, counts, totals, precisions, bp, sysLen, refLen });
  if (counts.every((c) => c === 0)) return result(0);
  let mtevalSmooth = 1;
  let order = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    const i = n - 1;
    if (method === 'add-k' && n > 1) {
      counts[i] = (counts[i] ?? 0) + smoothValue;
      totals[i] = (totals[i] ?? 0) + smoothValue;
    }
    const total = totals[i] ?? 0;
    const correct = counts[i] ?? 0;
    if (total === 0) break;
    if (options.effectiveOrder === true) order = n;
    if (correct > 0) precisions[i] = (100 * correct) / total;
    else if (method === 'exp') {
      mtevalSmooth *= 2; // each further order with no match halves its pseudo-count
      precisions[i] = 100 / (mtevalSmooth * total);
    } else if (method === 'floor') precisions[i] = (100 * smoothValue) / total;
  }
  let logSum = 0;
  for (const p of precisions.slice(0, order)) logSum += floorLog(p);
  return result(bp * Math.exp(logSum / order));
}

/** Reference sets in sacrebleu's layout: one array per set, each aligned with the hypotheses; a plain string[] is one set. */
export type BleuReferences = readonly string[] | ReadonlyArray<readonly string[]>;

function referenceSets(references: BleuReferences): ReadonlyArray<readonly string[]> {
  return references.length > 0 && typeof references[0] === 'string' ? [references as readonly string[]] : (references as ReadonlyArray<readonly string[]>);
}

/** Corpus BLEU: statistics summed over all segments, then one score (not a mean of sentence scores). */
export function corpusBleu(hypotheses: readonly string[], references: BleuReferences, options: BleuOptions = {}): BleuScore {
  const sets = referenceSets(references);
  if (hypotheses.length === 0) throw new Error('corpusBleu: no hypotheses');
  if (sets.length === 0) throw new Error('corpusBleu: no references');
  sets.forEach((set, k) => {
    if (set.length !== hypotheses.length) throw new Error(`corpusBleu: reference set ${k} has ${set.length} segments but there are ${hypotheses.length} hypotheses`);
  });
  const maxOrder = options.maxNgramOrder ?? 4;
  const sum: BleuStats = { sysLen: 0, refLen: 0, counts: new Array<number>(maxOrder).fill(0), totals: new Array<number>(maxOrder).fill(0) };
  hypotheses.forEach((hyp, i) => {
    const s = bleuSegmentStats(hyp, sets.map((set) => set[i] as string), options);
    sum.sysLen += s.sysLen;
    sum.refLen += s.refLen;
    s.counts.forEach((c, n) => (sum.counts[n] = (sum.counts[n] ?? 0) + c));
    s.totals.forEach((t, n) => (sum.totals[n] = (sum.totals[n] ?? 0) + t));
  });
  return bleuFromStats(sum, options);
}

/** BLEU of one hypothesis against its references, with effective order on by default (sacrebleu's sentence_bleu). */
export function sentenceBleu(hypothesis: string, references: readonly string[], options: BleuOptions = {}): BleuScore {
  if (references.length === 0) throw new Error('sentenceBleu: no references');
  const withDefaults = { ...options, effectiveOrder: options.effectiveOrder ?? true };
  return bleuFromStats(bleuSegmentStats(hypothesis, references, withDefaults), withDefaults);
}
