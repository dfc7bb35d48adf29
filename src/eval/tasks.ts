/**
 * The model side of each evaluation task: run a loaded model over tokenized data (eval mode,
 * no grad, one tidy() scope per batch) and turn its outputs into metrics with the pure
 * functions of ./metrics. Metric names are `<task>/<metric>`, e.g. `generation/bleu`.
 *
 * ```ts
 * const m = perplexityMetrics(model, examples, padTokenId, 8);   // { 'perplexity/perplexity': 12.3, 'perplexity/loss': 2.51, 'perplexity/tokens': 804 }
 * ```
 */
import { collateCompletions, collateLatents, type CriticPair, type LatentRecord, type PreferenceExample, type TokenizedExample } from '../data/index.js';
import { generate } from '../generation/index.js';
import type { LatentPrmModel, PretrainedCausalLm, SequenceScoreModel, TokenClassifierModel } from '../models/index.js';
import { noGrad, tidy } from '../tensor/index.js';
import type { Tokenizer } from '../tokenizers/index.js';
import { sftLossSum } from '../rl/index.js';
import { compareTeacherStudent, scorePairLogps, scoreResponses, type ScoreOptions } from '../scoring/index.js';
import type { GenerationConfig } from '../generation/index.js';
import { answerAccuracy } from './metrics/answer-match.js';
import { corpusBleu, type BleuTokenizer } from './metrics/bleu.js';
import { tokenizeCjkAware } from './metrics/cjk.js';
import { CRITIC_METRIC_KEYS, criticMetrics } from './metrics/critic.js';
import { distinctN } from './metrics/distinct.js';
import { perplexityFromSum } from './metrics/perplexity.js';
import { dpoImplicitRewards, preferenceMetrics, type PairLogps } from './metrics/preference.js';
import { regressionMetrics } from './metrics/regression.js';
import { rewardStats } from './metrics/reward.js';
import { corpusRougeL } from './metrics/rouge.js';
import { tokenizeZh } from './metrics/tokenize-zh.js';
import type { EvalPrompt } from './eval-data.js';

export type Metrics = Record<string, number>;

/** Called after each batch of a long loop. */
export type BatchProgress = (done: number, total: number) => void;

/** One completion: its prompt and reference as text, what the model wrote, and how it ended. */
export interface GenerationRow {
  prompt: string;
  reference: string | null;
  output: string;
  /** Completion tokens (the EOS included when it ended on one). */
  numTokens: number;
  finishReason: string;
  /** The reward model's score, when the reward task ran. */
  reward?: number;
  /** Episodes (an environment): every token after the prompt as text, turns, tool use and the environment's reward. */
  episode?: string;
  turns?: number;
  toolCalls?: number;
  toolErrors?: number;
  environmentReward?: number;
}

/** Completions of every prompt, in batches; `settings` are generate()'s (greedy or sampled, seeded per batch). */
export function generateCompletions(
  model: PretrainedCausalLm,
  tokenizer: Tokenizer,
  prompts: readonly EvalPrompt[],
  settings: Partial<GenerationConfig>,
  batchSize: number,
  onBatch?: BatchProgress,
): GenerationRow[] {
  model.eval();
  const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });
  const rows: GenerationRow[] = [];
  for (let i = 0; i < prompts.length; i += batchSize) {
    const chunk = prompts.slice(i, i + batchSize);
    const seed = settings.seed === undefined ? {} : { seed: settings.seed + i };
    const results = tidy(() => noGrad(() => generate(model, chunk.map((p) => p.ids), { ...settings, ...seed }, { decode })));
    results.forEach((r, j) => {
      const p = chunk[j] as EvalPrompt;
      rows.push({ prompt: p.text, reference: p.reference, output: (r.text ?? decode(r.tokenIds)).trim(), numTokens: r.tokenIds.length, finishReason: r.finishReason });
    });
    onBatch?.(Math.min(i + batchSize, prompts.length), prompts.length);
  }
  return rows;
}

/** How generation text is tokenized for each metric; `zh` counts CJK characters one by one. */
export interface TextTokenization {
  bleu: BleuTokenizer;
  rouge: 'rouge-score' | 'cjk-aware';
  distinct: 'whitespace' | 'zh';
}

export function textTokenization(bleu: '13a' | 'zh'): TextTokenization {
  return bleu === 'zh' ? { bleu, rouge: 'cjk-aware', distinct: 'zh' } : { bleu, rouge: 'rouge-score', distinct: 'whitespace' };
}

const zhTokens = (text: string): string[] => tokenizeZh(text).split(' ').filter((t) => t !== '');

/**
 * Against the references (rows that have one): exact- and numeric-match accuracy, corpus
 * BLEU-4 and mean ROUGE-L F1; over all outputs: distinct-1/2, mean completion length and the
 * share cut at max_new_tokens.
 */
export function generationMetrics(rows: readonly GenerationRow[], tok: TextTokenization): Metrics {
  if (rows.length === 0) throw new Error('generationMetrics: no generations');
  const outputs = rows.map((r) => r.output);
  const distinct = tok.distinct === 'zh' ? { tokenize: zhTokens } : {};
  const m: Metrics = {};
  const scored = rows.filter((r) => r.reference !== null);
  if (scored.length > 0) {
    const hyps = scored.map((r) => r.output);
    const refs = scored.map((r) => r.reference as string);
    const answers = answerAccuracy(hyps, refs);
    m['generation/exact_match'] = answers.exactMatch;
    m['generation/numeric_match'] = answers.numericMatch;
    m['generation/bleu'] = corpusBleu(hyps, [refs], { tokenize: tok.bleu }).score;
    m['generation/rouge_l_f1'] = corpusRougeL(refs, hyps, tok.rouge === 'cjk-aware' ? { tokenize: tokenizeCjkAware } : {}).f1;
  }
  m['generation/distinct_1'] = distinctN(outputs, 1, distinct);
  m['generation/distinct_2'] = distinctN(outputs, 2, distinct);
  m['generation/mean_tokens'] = rows.reduce((s, r) => s + r.numTokens, 0) / rows.length;
  m['generation/truncated'] = rows.filter((r) => r.finishReason === 'length').length / rows.length;
  m['generation/count'] = rows.length;
  return m;
}

/** Mean reward of the completions under a reward model (stored on the rows as `reward`). */
export function rewardMetrics(rm: SequenceScoreModel, rmTokenizer: Tokenizer, rows: GenerationRow[], options: ScoreOptions): Metrics {
  const scores = scoreResponses(rm, rmTokenizer, rows.map((r) => ({ kind: 'sft' as const, prompt: r.prompt, response: r.output })), options);
  scores.forEach((s, i) => ((rows[i] as GenerationRow).reward = s));
  const s = rewardStats(scores);
  return { 'reward/mean': s.mean, 'reward/std': s.std, 'reward/min': s.min, 'reward/max': s.max };
}

/** exp of the mean completion-token loss (the SFT loss without label smoothing), over all tokens of all examples. */
export function perplexityMetrics(model: PretrainedCausalLm, examples: readonly TokenizedExample[], padTokenId: number, batchSize: number, onBatch?: BatchProgress): Metrics {
  if (examples.length === 0) throw new Error('perplexity: no example has a completion token');
  model.eval();
  let lossSum = 0;
  let tokens = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const r = tidy(() => noGrad(() => {
      const batch = collateCompletions(chunk, { padTokenId });
      const { logits } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask });
      const { loss, numTokens } = sftLossSum(logits, batch.labels);
      return { loss: loss.item(), numTokens };
    }));
    lossSum += r.loss;
    tokens += r.numTokens;
    onBatch?.(Math.min(i + batchSize, examples.length), examples.length);
  }
  return { 'perplexity/perplexity': perplexityFromSum(lossSum, tokens), 'perplexity/loss': lossSum / tokens, 'perplexity/tokens': tokens };
}

const preferenceKeys = (m: ReturnType<typeof preferenceMetrics>): Metrics => ({
  'preference/accuracy': m.accuracy,
  'preference/margin': m.margin,
  'preference/chosen': m.chosenMean,
  'preference/rejected': m.rejectedMean,
  'preference/count': m.count,
});

/** Accuracy and margin of a reward model's scores of chosen vs rejected. */
export function rewardModelPreferenceMetrics(chosen: readonly number[], rejected: readonly number[]): Metrics {
  return preferenceKeys(preferenceMetrics(chosen, rejected));
}

/**
 * Accuracy and margin of a DPO policy's implicit rewards β·(log π − log π_ref) (Rafailov et al.
 * 2023, eq. 5); `reference` holds the reference's log-probs (zeros for reference-free DPO).
 */
export function dpoPreferenceMetrics(policy: PretrainedCausalLm, examples: readonly PreferenceExample[], reference: { chosen: number[]; rejected: number[] }, padTokenId: number, beta: number, batchSize: number): Metrics {
  if (examples.length === 0) throw new Error('preference: no pairs');
  const p = scorePairLogps(policy, examples, padTokenId, batchSize);
  const logps: PairLogps = { policyChosen: p.chosen, policyRejected: p.rejected, refChosen: reference.chosen, refRejected: reference.rejected };
  const r = dpoImplicitRewards(logps, beta);
  return { ...preferenceKeys(preferenceMetrics(r.chosen, r.rejected)), 'preference/logps_chosen': mean(p.chosen), 'preference/logps_rejected': mean(p.rejected) };
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * Stepwise PRM: at every labelled step, P(correct) = softmax(logits)[1] against the 0/1 label
 * (MSE, MAE, R²) and the argmax against the label (step accuracy).
 */
export function stepwisePrmMetrics(model: TokenClassifierModel, examples: readonly TokenizedExample[], padTokenId: number, batchSize: number): Metrics {
  model.eval();
  const probs: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const [p, l] = tidy(() => noGrad(() => {
      const batch = collateCompletions(chunk, { padTokenId });
      const { logits } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask }); // (B, T, 2)
      return [logits.softmax(-1).select(-1, 1).toArray() as number[][], batch.labels.toArray() as number[][]];
    }));
    l.forEach((row, b) => row.forEach((label, t) => {
      if (label === -100) return;
      labels.push(label);
      probs.push((p[b] as number[])[t] as number);
    }));
  }
  if (labels.length === 0) throw new Error('prm: no labelled step to evaluate');
  const r = regressionMetrics(probs, labels);
  const correct = probs.filter((q, i) => (q > 0.5 ? 1 : 0) === labels[i]).length;
  return { 'prm/step_accuracy': correct / labels.length, 'prm/mse': r.mse, 'prm/mae': r.mae, 'prm/r2': r.r2, 'prm/steps': labels.length };
}

/** Latent PRM: predicted scores against the records' scores (MSE, MAE, R²). */
export function latentPrmMetrics(model: LatentPrmModel, records: readonly LatentRecord[], batchSize: number): Metrics {
  model.eval();
  const predictions: number[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const chunk = records.slice(i, i + batchSize);
    predictions.push(...tidy(() => noGrad(() => {
      const { latents, mask } = collateLatents(chunk);
      return model.forward(latents, mask).toArray() as number[];
    })));
  }
  const r = regressionMetrics(predictions, records.map((rec) => rec.score));
  return { 'prm/mse': r.mse, 'prm/mae': r.mae, 'prm/r2': r.r2, 'prm/count': r.count };
}

/** Critic d_acc and score_diff, scored by compareTeacherStudent (the function the critic trains with). */
export function criticEvalMetrics(critic: SequenceScoreModel, pairs: readonly CriticPair[], options: { padTokenId: number; eosTokenIds: readonly number[]; batchSize: number }): Metrics {
  critic.eval();
  const teacher: number[] = [];
  const student: number[] = [];
  for (let i = 0; i < pairs.length; i += options.batchSize) {
    const chunk = pairs.slice(i, i + options.batchSize);
    const [t, s] = tidy(() => noGrad(() => {
      const c = compareTeacherStudent(critic, chunk, { padTokenId: options.padTokenId, eosTokenIds: options.eosTokenIds, teacherFirst: true });
      return [c.teacher.toArray() as number[], c.student.toArray() as number[]];
    }));
    teacher.push(...t);
    student.push(...s);
  }
  const m = criticMetrics(teacher, student);
  return {
    [CRITIC_METRIC_KEYS.dAcc]: m.dAcc,
    [CRITIC_METRIC_KEYS.scoreDiff]: m.scoreDiff,
    [CRITIC_METRIC_KEYS.teacherScore]: m.teacherScore,
    [CRITIC_METRIC_KEYS.studentScore]: m.studentScore,
    'critic/count': m.count,
  };
}
