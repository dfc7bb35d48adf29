/**
 * Rollouts for online RL: sample completions from the policy (batched, KV cache), keep the
 * generating policy's per-token log-probs, mask everything after EOS, mark truncated
 * completions, and lay prompt + completion out as one batch for the training forward passes.
 *
 * ```ts
 * const rollout = sampleRollout(policy, prompts, { maxNewTokens: 32, doSample: true, seed: 1, padTokenId: 3 });
 * const logps = completionLogps(policy, rollout.batch);   // equals rollout.batch.generationLogps
 * ```
 */
import { generate, generateContinuous, positionIdsFromMask, type GenerationConfig } from '../../generation/index.js';
import { causalLmCompletionLogps, type CausalLm } from '../../models/index.js';
import { noGrad, tensor, tidy, type Tensor } from '../../tensor/index.js';

/** Prompt (left-padded) + completion (right-padded) as one batch. */
export interface RolloutBatch {
  /** (B, P + C) */
  inputIds: Tensor;
  /** (B, P + C): 1 over real prompt and completion tokens. */
  attentionMask: Tensor;
  /** (B, P + C): positions from the attention mask, as generation used them. */
  positionIds: Tensor;
  /** (B, C) completion ids (pad after the end). */
  completionIds: Tensor;
  /**
   * (B, C) float loss mask: 1 on the tokens the policy sampled — up to and including EOS (or the
   * last token of a truncated completion); in an episode its turns, not the environment's
   * insertions — 0 elsewhere. The attention mask, not this, says which tokens are real.
   */
  completionMask: Tensor;
  /** (B, C) log-probs of the sampled tokens under the generating policy (raw logits), 0 after the end. */
  generationLogps: Tensor;
  promptLength: number;
}

export interface Rollout {
  batch: RolloutBatch;
  /** Per row: prompt ids, completion ids (through EOS), and whether it ran out of tokens. */
  prompts: number[][];
  completions: number[][];
  truncated: boolean[];
  /** Episodes only: per row, 1 on the model's tokens and 0 on the environment's (completions' length). */
  lossMasks?: number[][];
  /** Episodes only: per row, the final assistant turn's ids (what reward functions score). */
  answers?: number[][];
  /** Episodes only: per row, the environment's reward. */
  environmentRewards?: number[];
  /** Episodes only: per row, turns and tool use (metrics). */
  episodes?: EpisodeStats[];
}

/** What the metrics of an episode rollout read. */
export interface EpisodeStats {
  turns: number;
  toolCalls: number;
  toolErrors: number;
  turnLimit: boolean;
}

export interface RolloutOptions {
  /**
   * Rows decoded at once. With more rows than this, continuous batching (generateContinuous):
   * a finished row's slot takes the next prompt. Unset: every row in one batch.
   */
  maxBatchSize?: number;
}

/** sampleRollout's options from a trainer's `rolloutMaxBatchSize` (generation.max_batch_size). */
export function rolloutOptions(o: { rolloutMaxBatchSize?: number | null }): RolloutOptions {
  return o.rolloutMaxBatchSize === undefined || o.rolloutMaxBatchSize === null ? {} : { maxBatchSize: o.rolloutMaxBatchSize };
}

/**
 * Samples `config.numReturnSequences` (default 1) completions per prompt and builds the batch;
 * a group's rows are adjacent, in prompt order, and its prompt is prefilled once.
 */
export function sampleRollout(policy: CausalLm, prompts: readonly number[][], config: Partial<GenerationConfig> & { padTokenId: number }, options: RolloutOptions = {}): Rollout {
  const G = config.numReturnSequences ?? 1;
  const rows = G === 1 ? prompts : prompts.flatMap((p) => Array.from({ length: G }, () => p));
  const wasTraining = (policy as { training?: boolean }).training;
  (policy as { eval?: () => void }).eval?.();
  const continuous = options.maxBatchSize !== undefined && rows.length > options.maxBatchSize;
  const results = tidy(() => noGrad(() => continuous
    ? generateContinuous(policy, prompts, config, { maxBatchSize: options.maxBatchSize as number })
    : generate(policy, prompts, config)));
  if (wasTraining) (policy as { train?: () => void }).train?.();
  const completions = results.map((r) => r.tokenIds);
  const truncated = results.map((r) => r.finishReason === 'length');
  const batch = buildBatch(rows, completions, results.map((r) => r.modelLogprobs), config.padTokenId);
  return { batch, prompts: rows.map((p) => [...p]), completions, truncated };
}

/**
 * Lays out prompts (left-padded) and completions (right-padded) with masks and positions.
 * `lossMasks` (episodes): per row and completion token, 1 when the policy wrote it; default all 1.
 */
export function buildBatch(prompts: readonly number[][], completions: readonly number[][], logps: readonly number[][], padTokenId: number, lossMasks?: readonly number[][]): RolloutBatch {
  const P = Math.max(...prompts.map((p) => p.length));
  const C = Math.max(1, ...completions.map((c) => c.length));
  const rows = prompts.map((p, i) => {
    const c = completions[i] as number[];
    if (lossMasks !== undefined && lossMasks[i]?.length !== c.length) throw new RangeError(`buildBatch: row ${i} has ${c.length} completion tokens but a loss mask of ${lossMasks[i]?.length ?? 0}`);
    return {
      ids: [...Array<number>(P - p.length).fill(padTokenId), ...p, ...c, ...Array<number>(C - c.length).fill(padTokenId)],
      mask: [...Array<number>(P - p.length).fill(0), ...p.map(() => 1), ...c.map(() => 1), ...Array<number>(C - c.length).fill(0)],
      completion: [...c, ...Array<number>(C - c.length).fill(padTokenId)],
      completionMask: [...(lossMasks?.[i] ?? c.map(() => 1)), ...Array<number>(C - c.length).fill(0)],
      logps: [...(logps[i] ?? []), ...Array<number>(C - (logps[i]?.length ?? 0)).fill(0)],
    };
  });
  const attentionMask = tensor(rows.map((r) => r.mask), { dtype: 'int64' });
  return {
    inputIds: tensor(rows.map((r) => r.ids), { dtype: 'int64' }),
    attentionMask,
    positionIds: positionIdsFromMask(attentionMask),
    completionIds: tensor(rows.map((r) => r.completion), { dtype: 'int64' }),
    completionMask: tensor(rows.map((r) => r.completionMask), { dtype: 'float32' }),
    generationLogps: tensor(rows.map((r) => r.logps), { dtype: 'float32' }),
    promptLength: P,
  };
}

/** Rows [start, end) of a batch. */
export function sliceBatch(b: RolloutBatch, start: number, end: number): RolloutBatch {
  return {
    inputIds: b.inputIds.slice(0, start, end),
    attentionMask: b.attentionMask.slice(0, start, end),
    positionIds: b.positionIds.slice(0, start, end),
    completionIds: b.completionIds.slice(0, start, end),
    completionMask: b.completionMask.slice(0, start, end),
    generationLogps: b.generationLogps.slice(0, start, end),
    promptLength: b.promptLength,
  };
}

/**
 * Logits (B, C, V) predicting each completion token: positions P−1 … P+C−2 of one forward pass.
 * The LM head runs on those positions (and the last, dropped) only, as TRL's `logits_to_keep`.
 */
export function completionLogits(model: CausalLm, b: RolloutBatch): Tensor {
  const C = b.completionIds.size(1);
  const { logits } = model.forward({ inputIds: b.inputIds, attentionMask: b.attentionMask, positionIds: b.positionIds, logitsToKeep: C + 1 });
  return logits.narrow(1, 0, C);
}

/**
 * Per-token log-probs (B, C) of the completion under `model` (0 after the end), through the
 * fused head where the model allows (models/lm-loss.ts), so the (B, C, vocab) logits are never made.
 */
export function completionLogps(model: CausalLm, b: RolloutBatch): Tensor {
  const input = { inputIds: b.inputIds, attentionMask: b.attentionMask, positionIds: b.positionIds };
  return causalLmCompletionLogps(model, input, b.completionIds, b.completionMask).mul(b.completionMask);
}

/** The rows `index` (int64 (n,)) of a batch, in that order. */
export function selectRows(b: RolloutBatch, index: Tensor): RolloutBatch {
  return {
    inputIds: b.inputIds.indexSelect(0, index),
    attentionMask: b.attentionMask.indexSelect(0, index),
    positionIds: b.positionIds.indexSelect(0, index),
    completionIds: b.completionIds.indexSelect(0, index),
    completionMask: b.completionMask.indexSelect(0, index),
    generationLogps: b.generationLogps.indexSelect(0, index),
    promptLength: b.promptLength,
  };
}

/**
 * The batch cut to its last `maxLength` columns: the prompt loses its leftmost tokens, the
 * completion stays whole (TRL OnlineDPOTrainer._forward's max_length). The batch itself when it fits.
 */
export function truncatePromptLeft(b: RolloutBatch, maxLength: number): RolloutBatch {
  const width = b.inputIds.size(1);
  const cut = width - maxLength;
  if (cut <= 0) return b;
  if (cut >= b.promptLength) throw new RangeError(`truncatePromptLeft: max length ${maxLength} leaves no prompt token before ${width - b.promptLength} completion columns`);
  const keep = (t: Tensor) => t.narrow(1, cut, maxLength);
  return { ...b, inputIds: keep(b.inputIds), attentionMask: keep(b.attentionMask), positionIds: keep(b.positionIds), promptLength: b.promptLength - cut };
}
