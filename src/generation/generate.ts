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
import { cat, getDefaultDevice, manualSeed, noGrad, onesLike, tensor, tidy, type Tensor } from '../tensor/index.js';
import { eosIds, resolveGenerationConfig, type GenerationConfig } from './config.js';
import { leftPad, positionIdsFromMask } from './padding.js';
import { chooseTokens, processScores } from './pipeline.js';
import { StopStringMatcher } from './stop-strings.js';
import type { FinishReason, GenerateOptions, GenerationResult } from './types.js';

interface RowState {
  tokenIds: number[];
  modelLogprobs: number[];
  processedLogprobs: number[];
  finishReason?: FinishReason;
  stop?: StopStringMatcher;
}

/** One step's choices, copied to the host. */
interface StepChoice {
  tokens: number[];
  modelLogprobs: number[];
  processedLogprobs: number[];
}

/**
 * Generates up to `maxNewTokens` tokens for each prompt (token ids, no padding) and returns one
 * result per prompt. Synchronous: every step's tensor math runs in its own tidy() under noGrad().
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

  if (cfg.seed !== undefined) manualSeed(cfg.seed);
  const device = options.device ?? model.device ?? getDefaultDevice();
  // Without a pad id every prompt has the same length and no row can finish early, so the value is never used.
  const filler = padTokenId ?? 0;
  const padded = leftPad(prompts, filler);
  // HF's input_ids and attention_mask, each grown by one column per step: (B, L).
  let sequences = tensor(padded.inputIds, { dtype: 'int64', device });
  let attentionMask = tensor(padded.attentionMask, { dtype: 'int64', device });
  let cache: KvCache | undefined;
  const rows: RowState[] = prompts.map((p) => ({
    tokenIds: [],
    modelLogprobs: [],
    processedLogprobs: [],
    stop: decode && cfg.stopStrings.length > 0 ? new StopStringMatcher(cfg.stopStrings, decode, p) : undefined,
  }));

  try {
    cache = cfg.useCache ? model.newCache() : undefined;
    for (let step = 0; step < cfg.maxNewTokens; step++) {
      const state = { sequences, attentionMask, cache };
      const choice = noGrad(() => tidy(() => decodeStep(model, state, step, eos, cfg)));
      const live = rows.map((r) => r.finishReason === undefined);
      // Finished rows get padding, as HF's next_tokens * unfinished + pad * (1 - unfinished).
      const fed = choice.tokens.map((t, i) => (live[i] ? t : filler));
      rows.forEach((row, i) => {
        if (!live[i]) return;
        const token = fed[i] as number;
        row.tokenIds.push(token);
        row.modelLogprobs.push(choice.modelLogprobs[i] as number);
        row.processedLogprobs.push(choice.processedLogprobs[i] as number);
        if (eos.includes(token)) row.finishReason = 'eos';
        else if (row.stop?.push(token)) row.finishReason = 'stop_string';
      });
      options.onToken?.(step, fed, live);
      if (step === cfg.maxNewTokens - 1 || rows.every((r) => r.finishReason !== undefined)) break;

      const grown = tidy(() => {
        const column = tensor(fed, { dtype: 'int64', device }).unsqueeze(1); // (B, 1)
        return { sequences: cat([sequences, column], 1), attentionMask: cat([attentionMask, onesLike(column)], 1) };
      });
      sequences.dispose();
      attentionMask.dispose();
      ({ sequences, attentionMask } = grown);
    }
  } finally {
    cache?.dispose();
    sequences.dispose();
    attentionMask.dispose();
  }

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

/**
 * One forward pass and token choice. With a cache, the first step feeds the whole padded
 * prompt and later steps only the newest column; without one, every step feeds everything
 * (HF use_cache=False). Either way the mask covers all L positions and the positions are HF's
 * cumsum-of-mask ones for the columns fed.
 */
function decodeStep(
  model: CausalLm,
  { sequences, attentionMask, cache }: { sequences: Tensor; attentionMask: Tensor; cache: KvCache | undefined },
  step: number,
  eos: readonly number[],
  cfg: GenerationConfig,
): StepChoice {
  const length = sequences.size(1);
  const fed = cache && step > 0 ? 1 : length;
  if (cache && cache.length !== length - fed) {
    throw new Error(`generate: the KV cache holds ${cache.length} positions before step ${step}, expected ${length - fed}`);
  }
  const input: CausalLmInput = {
    inputIds: sequences.narrow(1, length - fed, fed).contiguous(), // (B, T)
    attentionMask, // (B, P + T)
    positionIds: positionIdsFromMask(attentionMask).narrow(1, length - fed, fed).contiguous(), // (B, T)
  };
  if (cache) input.cache = cache;
  const { logits } = model.forward({ ...input, logitsToKeep: 1 }); // (B, 1, V)
  const last = logits.select(1, logits.size(1) - 1).to('float32'); // (B, V), HF's .float()
  const scores = processScores(last, { sequences, generated: step, eosIds: eos }, cfg);
  const next = chooseTokens(scores, cfg.doSample).unsqueeze(1); // (B, 1)
  return {
    tokens: next.flatValues() as number[],
    modelLogprobs: last.logSoftmax(-1).gather(1, next).flatValues() as number[],
    processedLogprobs: scores.logSoftmax(-1).gather(1, next).flatValues() as number[],
  };
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
