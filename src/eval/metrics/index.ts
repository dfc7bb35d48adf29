/**
 * Automatic evaluation metrics as pure functions over strings and numbers: BLEU (sacrebleu's
 * 13a and zh tokenizers), ROUGE-L (rouge-score), distinct-n, perplexity, reward statistics,
 * preference accuracy/margin, regression (MSE/MAE/R²), critic d_acc/score_diff and answer
 * accuracy (exact and numeric match).
 * Running a model to get the scores is the caller's job. See docs/evaluation.md.
 */
export { BLEU_SMOOTHING, BLEU_TOKENIZERS, bleuFromStats, bleuSegmentStats, corpusBleu, sentenceBleu } from './bleu.js';
export type { BleuOptions, BleuReferences, BleuScore, BleuSmoothing, BleuStats, BleuTokenizer } from './bleu.js';
export { tokenize13a, tokenizeRegexp } from './tokenize-13a.js';
export { isChineseChar, tokenizeZh } from './tokenize-zh.js';
export { corpusRougeL, lcsLength, rougeL, rougeTokenize, tokenizeChars } from './rouge.js';
export type { RougeOptions, RougeScore } from './rouge.js';
export { hasCjk, tokenizeCjkAware } from './cjk.js';
export { distinctN } from './distinct.js';
export type { DistinctOptions } from './distinct.js';
export { perplexity, perplexityFromSum, perplexityFromTokenLosses } from './perplexity.js';
export { rewardStats } from './reward.js';
export type { RewardStats } from './reward.js';
export { dpoImplicitRewards, preferenceMetrics } from './preference.js';
export type { PairLogps, PreferenceMetrics } from './preference.js';
export { regressionMetrics } from './regression.js';
export type { RegressionMetrics } from './regression.js';
export { CRITIC_METRIC_KEYS, criticMetrics } from './critic.js';
export type { CriticMetrics } from './critic.js';
export { answerAccuracy, exactMatch, lastNumber, numericMatch } from './answer-match.js';
export type { AnswerAccuracy } from './answer-match.js';
