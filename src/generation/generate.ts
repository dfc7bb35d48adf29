/**
 * Autoregressive decoding over any CausalLm, with HF transformers' generate() semantics for
 * greedy and sampled decoding: left padding, position ids from the attention mask, logits
 * processors in HF's order, several EOS ids, stop strings, and finished rows fed padding
 * until the whole batch is done.
 *
 * ```ts
 * const [out] = generate(model, [tokenizer.encode('Hello')], { maxNewTokens: 32, doSample: true, topP: 0.9, seed: 0 },
 *   { decode: (ids) => tokenizer.decode(ids) });
 * out.text; out.tokenIds; out.modelLogprobs; out.finishReason;
 * ```
 */
import type { CausalLm, CausalLmInput, KvCache } from '../models/types.js';
import { getDefaultDevice, manualSeed, stack, tensor, tidy, where, type Device, type Tensor } from '../tensor/index.js';
import { decodingStep } from './step-scope.js';
import { keep } from '../tensor/scope.js';
import { SequenceBuffers } from './buffers.js';
import { eosIds, resolveGenerationConfig, type GenerationConfig } from './config.js';
import { leftPad, positionIdsFromMask } from './padding.js';
import { chooseTokens, processScores } from './pipeline.js';
import { StopStringMatcher } from './stop-strings.js';
import type { FinishReason, GenerateOptions, GenerationResult } from './types.js';

export interface RowState {
  tokenIds: number[];
  modelLogprobs: number[];
  processedLogprobs: number[];
  finishReason?: FinishReason;
  stop?: StopStringMatcher;
}

/** One step's choices: the tokens to feed (B) int64 on the device, and the host copy. */
interface StepChoice {
  fed: Tensor;
  tokens: number[];
  modelLogprobs: number[];
  processedLogprobs: number[];
}

/**
 * Generates up to `maxNewTokens` tokens for each prompt (token ids, no padding) and returns one
 * result per prompt, or `numReturnSequences` adjacent results per prompt. Synchronous: every
 * step's tensor math runs in its own tidy() under noGrad() with the decoding kernels on
 * (step-scope.ts), and copies one (3, B) tensor to the host (tokens and both log-probs).
 */
export function generate(
  model: CausalLm,
  prompts: readonly (readonly number[])[],
  config: Partial<GenerationConfig> = {},
  options: GenerateOptions = {},
): GenerationResult[] {
  const cfg = resolveGenerationConfig(config);
  const vocabSize = model.config.vocabSize;
  const eos = eosIds(cfg.eosTokenId ?? model.config.eosTokenId);
  // HF falls back to the first EOS id when no pad id is set.
  const padTokenId = cfg.padTokenId ?? model.config.padTokenId ?? eos[0];
  checkInputs(prompts, vocabSize, eos, padTokenId, cfg, options);
  const decode = options.decode;
  const G = cfg.numReturnSequences;
  // HF's num_return_sequences order: each prompt's copies adjacent.
  const expanded = G === 1 ? prompts : prompts.flatMap((p) => Array.from({ length: G }, () => p));

  if (cfg.seed !== undefined) manualSeed(cfg.seed);
  const device = options.device ?? model.device ?? getDefaultDevice();
  // Without a pad id every prompt has the same length and no row can finish early, so the value is never used.
  const filler = padTokenId ?? 0;
  const padded = leftPad(expanded, filler);
  const rows: RowState[] = expanded.map((p) => ({
    tokenIds: [],
    modelLogprobs: [],
    processedLogprobs: [],
    stop: decode && cfg.stopStrings.length > 0 ? new StopStringMatcher(cfg.stopStrings, decode, p) : undefined,
  }));
  let buffers: SequenceBuffers | undefined;
  let cache: KvCache | undefined;
  let live: Tensor | undefined;
  let pending: Tensor | undefined;

  try {
    buffers = tidy(() => new SequenceBuffers(padded, cfg.maxNewTokens, filler, device));
    cache = cfg.useCache ? model.newCache({ capacity: buffers.length + cfg.maxNewTokens }) : undefined;
    // One prefill per distinct prompt where the cache can repeat its rows for the copies.
    const shared = G > 1 && cache?.repeatRows !== undefined ? { prompts: leftPad(prompts, filler), copies: G } : undefined;
    let liveRows = rows.map(() => true);
    for (let step = 0; step < cfg.maxNewTokens; step++) {
      const state = { buffers, cache, live, filler, shared: step === 0 ? shared : undefined, device };
      const choice = decodingStep(() => decodeStep(model, state, step, eos, cfg));
      const fed = choice.tokens.map((t, i) => (liveRows[i] ? t : filler));
      rows.forEach((row, i) => {
        if (!liveRows[i]) return;
        const token = fed[i] as number;
        row.tokenIds.push(token);
        row.modelLogprobs.push(choice.modelLogprobs[i] as number);
        row.processedLogprobs.push(choice.processedLogprobs[i] as number);
        if (eos.includes(token)) row.finishReason = 'eos';
        else if (row.stop?.push(token)) row.finishReason = 'stop_string';
      });
      pending = choice.fed;
      options.onToken?.(step, fed, liveRows);
      const stillLive = rows.map((r) => r.finishReason === undefined);
      if (step === cfg.maxNewTokens - 1 || stillLive.every((l) => !l)) break;
      if (stillLive.some((l, i) => l !== liveRows[i])) {
        live?.dispose();
        live = tidy(() => keep(tensor(stillLive.map(Number), { dtype: 'int64', device }).ne(0)));
      }
      liveRows = stillLive;
      // Finished rows are fed padding, as HF's next_tokens * unfinished + pad * (1 - unfinished).
      tidy(() => buffers?.append(choice.fed));
      choice.fed.dispose();
      pending = undefined;
    }
  } finally {
    pending?.dispose();
    cache?.dispose();
    buffers?.dispose();
    live?.dispose();
  }

  return toResults(rows, decode);
}

/** A finished row as generate() returns it; a row that never ended ran out of tokens ('length'). */
export function toResults(rows: readonly RowState[], decode: ((ids: number[]) => string) | undefined): GenerationResult[] {
  return rows.map((row) => {
    const result: GenerationResult = {
      tokenIds: row.tokenIds,
      modelLogprobs: row.modelLogprobs,
      processedLogprobs: row.processedLogprobs,
      finishReason: row.finishReason ?? 'length',
    };
    if (decode) result.text = decode(row.tokenIds);
    return result;
  });
}

interface StepState {
  buffers: SequenceBuffers;
  cache: KvCache | undefined;
  /** (B) bool, unset while every row is live. */
  live: Tensor | undefined;
  filler: number;
  /** First step only: the distinct prompts, prefilled once and repeated `copies` times. */
  shared: { prompts: { inputIds: number[][]; attentionMask: number[][] }; copies: number } | undefined;
  device: Device;
}

/**
 * One forward pass and token choice. With a cache, the first step feeds the whole padded
 * prompt and later steps only the newest column; without one, every step feeds everything
 * (HF use_cache=False). Either way the mask covers all L positions and the positions are HF's
 * cumsum-of-mask ones for the columns fed (kept incrementally with a cache).
 */
function decodeStep(model: CausalLm, s: StepState, step: number, eos: readonly number[], cfg: GenerationConfig): StepChoice {
  const { buffers, cache } = s;
  const length = buffers.length;
  const fed = cache && step > 0 ? 1 : length;
  if (cache && cache.length !== length - fed) {
    throw new Error(`generate: the KV cache holds ${cache.length} positions before step ${step}, expected ${length - fed}`);
  }
  let last = s.shared ? sharedPrefill(model, s.shared, cache as KvCache, s.device) : undefined;
  if (!last) {
    const attentionMask = buffers.attentionMask().contiguous(); // (B, P + T)
    const input: CausalLmInput = fed === 1
      ? { ...buffers.lastColumn(), attentionMask } // (B, 1) each
      : { inputIds: buffers.sequences().contiguous(), attentionMask, positionIds: positionIdsFromMask(attentionMask) }; // (B, L)
    if (cache) input.cache = cache;
    const { logits } = model.forward({ ...input, logitsToKeep: 1 }); // (B, 1, V)
    last = logits.select(1, logits.size(1) - 1).to('float32'); // (B, V), HF's .float()
  }
  const scores = processScores(last, { sequences: buffers.sequences(), generated: step, eosIds: eos }, cfg);
  const next = chooseTokens(scores, cfg.doSample).unsqueeze(1); // (B, 1)
  const modelLogprobs = last.logSoftmax(-1).gather(1, next); // (B, 1)
  // Greedy without processors chooses from the raw logits: one log-softmax serves both.
  const processedLogprobs = scores === last ? modelLogprobs : scores.logSoftmax(-1).gather(1, next);
  const host = stack([next.to('float64'), modelLogprobs.to('float64'), processedLogprobs.to('float64')]).flatValues() as number[]; // (3, B, 1)
  const B = next.size(0);
  const column = next.squeeze(1);
  return {
    fed: keep(s.live ? where(s.live, column, s.filler) : column),
    tokens: host.slice(0, B),
    modelLogprobs: host.slice(B, 2 * B),
    processedLogprobs: host.slice(2 * B),
  };
}

/**
 * The first step of `numReturnSequences` decoding: each distinct prompt is prefilled once, then
 * its cache rows and last logits are repeated for its copies. -> (B * copies, V) float32.
 */
function sharedPrefill(model: CausalLm, shared: NonNullable<StepState['shared']>, cache: KvCache, device: Device): Tensor {
  const inputIds = tensor(shared.prompts.inputIds, { dtype: 'int64', device }); // (N, L)
  const attentionMask = tensor(shared.prompts.attentionMask, { dtype: 'int64', device });
  const { logits } = model.forward({ inputIds, attentionMask, positionIds: positionIdsFromMask(attentionMask), cache, logitsToKeep: 1 });
  cache.repeatRows?.(shared.copies);
  return logits.select(1, logits.size(1) - 1).to('float32').repeatInterleave(shared.copies, 0); // (N * copies, V)
}

function checkInputs(
  prompts: readonly (readonly number[])[],
  vocabSize: number,
  eos: readonly number[],
  padTokenId: number | undefined,
  cfg: GenerationConfig,
  options: GenerateOptions,
): void {
  if (prompts.length === 0) throw new RangeError('generate: no prompts');
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new RangeError(`generate: prompt ${i} is empty; it needs at least one token (e.g. BOS)`);
    const bad = p.find((t) => !Number.isInteger(t) || t < 0 || t >= vocabSize);
    if (bad !== undefined) throw new RangeError(`generate: prompt ${i} holds token id ${bad}, outside [0, ${vocabSize})`);
  });
  for (const id of eos) {
    if (id >= vocabSize) throw new RangeError(`generate: eosTokenId ${id} is outside the vocabulary [0, ${vocabSize})`);
  }
  if (padTokenId !== undefined && padTokenId >= vocabSize) {
    throw new RangeError(`generate: padTokenId ${padTokenId} is outside the vocabulary [0, ${vocabSize})`);
  }
  const first = prompts[0] as readonly number[];
  const ragged = prompts.some((p) => p.length !== first.length);
  if (padTokenId === undefined && (ragged || cfg.stopStrings.length > 0)) {
    throw new RangeError('generate: prompts of different lengths, and stop strings, need a padTokenId (or an eosTokenId) in the config or the model config');
  }
  if (cfg.stopStrings.length > 0 && !options.decode) {
    throw new TypeError(`generate: stopStrings (${JSON.stringify(cfg.stopStrings)}) need options.decode to turn token ids into text`);
  }
}
