/** What generate and chat share: a model directory loaded with its tokenizer and generation defaults. */
import { fromHfGenerationConfig, type GenerationConfig } from '../generation/index.js';
import { loadCausalLm, readGenerationConfig, type PretrainedCausalLm } from '../models/index.js';
import { Tokenizer } from '../tokenizers/index.js';
import type { DType } from '../tensor/index.js';

export interface ModelSession {
  model: PretrainedCausalLm;
  tokenizer: Tokenizer;
  /** generation_config.json, before command-line overrides. */
  defaults: Partial<GenerationConfig>;
}

export function openModel(dir: string, dtype: DType = 'float32'): ModelSession {
  const model = loadCausalLm(dir, { dtype });
  const tokenizer = Tokenizer.fromPretrained(dir);
  const generationJson = readGenerationConfig(dir);
  return { model, tokenizer, defaults: generationJson ? fromHfGenerationConfig(generationJson) : {} };
}

/** Sampling flags shared by generate and chat. */
export const SAMPLING_FLAGS = {
  'max-new-tokens': { type: 'string' },
  'min-new-tokens': { type: 'string' },
  'do-sample': { type: 'boolean' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  stop: { type: 'string', multiple: true },
  seed: { type: 'string' },
  dtype: { type: 'string' },
} as const;

export interface SamplingValues {
  'max-new-tokens'?: string;
  'min-new-tokens'?: string;
  'do-sample'?: boolean;
  temperature?: string;
  'top-k'?: string;
  'top-p'?: string;
  'repetition-penalty'?: string;
  stop?: string[];
  seed?: string;
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${flag} expects a number, got '${value}'`);
  return n;
}

/** generation_config.json, then the flags given on the command line. */
export function generationConfigFrom(defaults: Partial<GenerationConfig>, v: SamplingValues): Partial<GenerationConfig> {
  const out: Partial<GenerationConfig> = { maxNewTokens: 128, ...defaults };
  const set = <K extends keyof GenerationConfig>(key: K, value: GenerationConfig[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('maxNewTokens', number('max-new-tokens', v['max-new-tokens']));
  set('minNewTokens', number('min-new-tokens', v['min-new-tokens']));
  set('doSample', v['do-sample']);
  set('temperature', number('temperature', v.temperature));
  set('topK', number('top-k', v['top-k']));
  set('topP', number('top-p', v['top-p']));
  set('repetitionPenalty', number('repetition-penalty', v['repetition-penalty']));
  if (v.stop?.length) out.stopStrings = v.stop;
  set('seed', number('seed', v.seed));
  return out;
}

export function parseDtype(value: string | undefined): DType {
  if (value === undefined) return 'float32';
  if (value === 'float32' || value === 'bfloat16' || value === 'float16' || value === 'float64') return value;
  throw new Error(`--dtype must be float32, bfloat16, float16 or float64, got '${value}'`);
}

/** Prints the text of one row as tokens arrive, re-decoding so multi-byte characters come out whole. */
export function textStreamer(decode: (ids: number[]) => string, write: (s: string) => void): (id: number) => void {
  const ids: number[] = [];
  let shown = '';
  return (id) => {
    ids.push(id);
    const text = decode(ids);
    if (text.endsWith('\uFFFD')) return; // an unfinished UTF-8 sequence: wait for its next byte
    write(text.slice(shown.length));
    shown = text;
  };
}
