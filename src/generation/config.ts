/**
 * Generation settings, with HF transformers' names (camelCase) and defaults, validated once
 * before any model runs.
 *
 * ```ts
 * const config = resolveGenerationConfig({ maxNewTokens: 64, doSample: true, topP: 0.9, seed: 0 });
 * const fromHub = resolveGenerationConfig(fromHfGenerationConfig(JSON.parse(text)));
 * ```
 */

export interface GenerationConfig {
  /** Tokens to generate at most per row (HF `max_new_tokens`). Must be >= 1. */
  maxNewTokens: number;
  /** EOS ids are masked to -inf until a row has this many new tokens (HF `min_new_tokens`). */
  minNewTokens: number;
  /** Sample from the processed distribution; false is greedy (argmax). Temperature, topK and topP only apply when true, as in HF. */
  doSample: boolean;
  /** Logits are divided by this before top-k/top-p; must be > 0 when sampling. 1 disables. */
  temperature: number;
  /** Keep the k highest logits (ties with the k-th kept too). 0 disables. HF's default is 50. */
  topK: number;
  /** Keep the smallest set of most probable tokens whose probability sums to >= topP. 1 disables. */
  topP: number;
  /** CTRL's penalty (Keskar et al., 2019) on tokens already in the sequence, prompt included. 1 disables. */
  repetitionPenalty: number;
  /** Token id(s) that end a row. Unset: the model config's eosTokenId. */
  eosTokenId?: number | number[];
  /** Fills left padding and the rows that have finished. Unset: the model's padTokenId, else the first EOS id (as HF does). */
  padTokenId?: number;
  /** A row ends once its decoded text contains one of these (needs a `decode` function). */
  stopStrings: string[];
  /** Seeds the global generator (manualSeed) before the first step, so sampling is reproducible. */
  seed?: number;
  /** Reuse keys/values through the model's KvCache; false re-runs the full sequence each step (HF `use_cache`). */
  useCache: boolean;
  /**
   * Completions per prompt (HF `num_return_sequences`); each prompt's are adjacent in the
   * results. With a cache the prompt is prefilled once and its keys/values shared by its copies.
   */
  numReturnSequences: number;
}

/** HF GenerationConfig's defaults, except `maxNewTokens` (HF caps the total `max_length` at 20 instead). */
export const GENERATION_DEFAULTS: Readonly<GenerationConfig> = Object.freeze({
  maxNewTokens: 20,
  minNewTokens: 0,
  doSample: false,
  temperature: 1,
  topK: 50,
  topP: 1,
  repetitionPenalty: 1,
  stopStrings: [],
  useCache: true,
  numReturnSequences: 1,
});

/** Fills in defaults and checks every value, quoting the bad one. */
export function resolveGenerationConfig(partial: Partial<GenerationConfig> = {}): GenerationConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c: GenerationConfig = { ...GENERATION_DEFAULTS, ...defined };
  c.stopStrings = [...c.stopStrings]; // not the shared default array
  const fail = (msg: string): never => {
    throw new RangeError(`GenerationConfig: ${msg}`);
  };
  if (!Number.isInteger(c.maxNewTokens) || c.maxNewTokens < 1) fail(`maxNewTokens (${c.maxNewTokens}) must be an integer >= 1`);
  if (!Number.isInteger(c.minNewTokens) || c.minNewTokens < 0) fail(`minNewTokens (${c.minNewTokens}) must be an integer >= 0`);
  if (c.doSample && !(c.temperature > 0 && Number.isFinite(c.temperature))) {
    fail(`temperature (${c.temperature}) must be a finite number > 0 when sampling; for greedy decoding set doSample: false`);
  }
  if (!Number.isInteger(c.topK) || c.topK < 0) fail(`topK (${c.topK}) must be an integer >= 0 (0 disables it)`);
  if (!(c.topP >= 0 && c.topP <= 1)) fail(`topP (${c.topP}) must be in [0, 1] (1 disables it)`);
  if (!(c.repetitionPenalty > 0 && Number.isFinite(c.repetitionPenalty))) {
    fail(`repetitionPenalty (${c.repetitionPenalty}) must be a finite number > 0 (1 disables it)`);
  }
  for (const id of eosIds(c.eosTokenId)) {
    if (!Number.isInteger(id) || id < 0) fail(`eosTokenId (${JSON.stringify(c.eosTokenId)}) must hold non-negative integers`);
  }
  if (c.padTokenId !== undefined && (!Number.isInteger(c.padTokenId) || c.padTokenId < 0)) {
    fail(`padTokenId (${c.padTokenId}) must be a non-negative integer`);
  }
  if (!Array.isArray(c.stopStrings) || c.stopStrings.some((s) => typeof s !== 'string' || s.length === 0)) {
    fail(`stopStrings (${JSON.stringify(c.stopStrings)}) must be non-empty strings`);
  }
  if (!Number.isInteger(c.numReturnSequences) || c.numReturnSequences < 1) fail(`numReturnSequences (${c.numReturnSequences}) must be an integer >= 1`);
  if (c.seed !== undefined && (!Number.isInteger(c.seed) || c.seed < 0)) fail(`seed (${c.seed}) must be a non-negative integer`);
  return c;
}

/** EOS ids as a list (HF accepts one id or several). */
export function eosIds(eos: number | readonly number[] | undefined): number[] {
  if (eos === undefined) return [];
  return typeof eos === 'number' ? [eos] : [...eos];
}

/**
 * The settings found in an HF `generation_config.json` (snake_case keys). A `null` value
 * disables its processor as in HF. `max_length` counts the prompt, so it has no equivalent
 * here and is ignored, as are keys this module does not implement.
 */
export function fromHfGenerationConfig(json: Record<string, unknown>): Partial<GenerationConfig> {
  const out: Partial<GenerationConfig> = {};
  const num = (key: string): number | null | undefined => {
    const v = json[key];
    if (v === undefined || v === null) return v;
    if (typeof v !== 'number') throw new TypeError(`generation_config.json: ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const set = <K extends keyof GenerationConfig>(key: K, value: GenerationConfig[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  const ifNull = (v: number | null | undefined, disabled: number): number | undefined => (v === null ? disabled : v);

  set('maxNewTokens', num('max_new_tokens') ?? undefined);
  set('minNewTokens', num('min_new_tokens') ?? undefined);
  if (json.do_sample !== undefined && json.do_sample !== null) set('doSample', Boolean(json.do_sample));
  set('temperature', ifNull(num('temperature'), 1));
  set('topK', ifNull(num('top_k'), 0));
  set('topP', ifNull(num('top_p'), 1));
  set('repetitionPenalty', ifNull(num('repetition_penalty'), 1));
  const eos = json.eos_token_id;
  if (typeof eos === 'number' || (Array.isArray(eos) && eos.every((e) => typeof e === 'number'))) set('eosTokenId', eos);
  else if (eos !== undefined && eos !== null) throw new TypeError(`generation_config.json: eos_token_id must be a number or numbers, got ${JSON.stringify(eos)}`);
  set('padTokenId', num('pad_token_id') ?? undefined);
  const stop = json.stop_strings;
  if (typeof stop === 'string') set('stopStrings', [stop]);
  else if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) set('stopStrings', stop);
  else if (stop !== undefined && stop !== null) throw new TypeError(`generation_config.json: stop_strings must be a string or strings, got ${JSON.stringify(stop)}`);
  if (json.use_cache === false) set('useCache', false);
  set('numReturnSequences', num('num_return_sequences') ?? undefined);
  return out;
}
