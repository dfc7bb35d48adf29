/**
 * Decoder configuration: one typed shape for every supported family, read from and written
 * back to Hugging Face's config.json.
 */
import type { DType } from '../tensor/dtype.js';

export type ModelType = 'llama' | 'qwen2' | 'mistral';
export const MODEL_TYPES: readonly ModelType[] = ['llama', 'qwen2', 'mistral'];

export type RopeScaling =
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number };

export interface DecoderConfig {
  modelType: ModelType;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads; fewer than numHeads means grouped-query attention. */
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling?: RopeScaling;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** Bias on q/k/v projections (Qwen2: yes; Llama: config attention_bias, which also biases o_proj). */
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  hiddenAct: 'silu' | 'gelu' | 'gelu_pytorch_tanh';
  /** Causal (decoder) or bidirectional (encoder, for MLM and contrastive pretraining). */
  isCausal: boolean;
  initializerRange: number;
  /**
   * Mistral/Qwen2 sliding-window attention span. Not implemented: positions beyond it are
   * refused rather than computed with full attention.
   */
  slidingWindow?: number;
  bosTokenId?: number;
  eosTokenId?: number | number[];
  padTokenId?: number;
  /** The dtype the checkpoint was saved in (config.json `dtype` / `torch_dtype`). */
  dtype?: DType;
}

/** A small from-scratch model: RoPE, SwiGLU, RMSNorm, GQA (Llama layout). */
export function decoderConfig(overrides: Partial<DecoderConfig> = {}): DecoderConfig {
  const hiddenSize = overrides.hiddenSize ?? 256;
  const numHeads = overrides.numHeads ?? 8;
  return {
    modelType: 'llama',
    vocabSize: 512,
    hiddenSize,
    intermediateSize: 704,
    numLayers: 4,
    numHeads,
    numKvHeads: 4,
    headDim: hiddenSize / numHeads,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositionEmbeddings: 2048,
    tieWordEmbeddings: true,
    qkvBias: false,
    oBias: false,
    mlpBias: false,
    hiddenAct: 'silu',
    isCausal: true,
    initializerRange: 0.02,
    ...overrides,
  };
}

type Json = Record<string, unknown>;

/** Reads a Hugging Face config.json object; `source` names the file in errors. */
export function parseHfConfig(raw: Json, source = 'config.json'): DecoderConfig {
  const modelType = raw.model_type;
  if (typeof modelType !== 'string' || !(MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new Error(`${source}: model_type '${String(modelType)}' is not supported; supported: ${MODEL_TYPES.join(', ')}`);
  }
  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: '${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const ropeParams = (raw.rope_parameters ?? {}) as Json;
  const hiddenSize = num('hidden_size');
  const numHeads = num('num_attention_heads');
  const type = modelType as ModelType;
  const attentionBias = raw.attention_bias === true;
  const act = String(raw.hidden_act ?? 'silu');
  if (act !== 'silu' && act !== 'gelu' && act !== 'gelu_pytorch_tanh') {
    throw new Error(`${source}: hidden_act '${act}' is not supported (silu, gelu, gelu_pytorch_tanh)`);
  }
  const config: DecoderConfig = {
    modelType: type,
    vocabSize: num('vocab_size'),
    hiddenSize,
    intermediateSize: num('intermediate_size'),
    numLayers: num('num_hidden_layers'),
    numHeads,
    numKvHeads: num('num_key_value_heads', numHeads),
    headDim: typeof raw.head_dim === 'number' ? raw.head_dim : hiddenSize / numHeads,
    rmsNormEps: num('rms_norm_eps', 1e-6),
    ropeTheta: typeof raw.rope_theta === 'number' ? raw.rope_theta : num('rope_theta', Number(ropeParams.rope_theta ?? 10000)),
    maxPositionEmbeddings: num('max_position_embeddings', 2048),
    tieWordEmbeddings: raw.tie_word_embeddings === true,
    qkvBias: type === 'qwen2' ? true : attentionBias,
    oBias: type === 'qwen2' ? false : attentionBias,
    mlpBias: raw.mlp_bias === true,
    hiddenAct: act,
    isCausal: raw.is_causal !== false,
    initializerRange: num('initializer_range', 0.02),
  };
  const window = raw.sliding_window;
  const usesWindow = type === 'mistral' || (type === 'qwen2' && raw.use_sliding_window === true);
  if (usesWindow && typeof window === 'number') config.slidingWindow = window;
  const scaling = parseRopeScaling((raw.rope_scaling ?? ropeParams) as Json | null, source);
  if (scaling) config.ropeScaling = scaling;
  if (typeof raw.bos_token_id === 'number') config.bosTokenId = raw.bos_token_id;
  if (typeof raw.eos_token_id === 'number' || Array.isArray(raw.eos_token_id)) config.eosTokenId = raw.eos_token_id as number | number[];
  if (typeof raw.pad_token_id === 'number') config.padTokenId = raw.pad_token_id;
  const dtype = raw.dtype ?? raw.torch_dtype;
  if (dtype === 'float32' || dtype === 'bfloat16' || dtype === 'float16') config.dtype = dtype;
  return config;
}

function parseRopeScaling(raw: Json | null, source: string): RopeScaling | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const type = raw.rope_type ?? raw.type;
  if (type === undefined || type === 'default') return undefined;
  const factor = Number(raw.factor);
  if (type === 'linear') return { type, factor };
  if (type === 'llama3') {
    return {
      type,
      factor,
      lowFreqFactor: Number(raw.low_freq_factor),
      highFreqFactor: Number(raw.high_freq_factor),
      originalMaxPositionEmbeddings: Number(raw.original_max_position_embeddings),
    };
  }
  throw new Error(`${source}: rope scaling type '${String(type)}' is not supported (linear, llama3)`);
}

const ARCHITECTURES: Record<ModelType, string> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  mistral: 'MistralForCausalLM',
};

/** The config.json that transformers reads back into the same model. */
export function toHfConfig(c: DecoderConfig, architecture = ARCHITECTURES[c.modelType]): Json {
  const out: Json = {
    architectures: [architecture],
    model_type: c.modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    hidden_act: c.hiddenAct,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    max_position_embeddings: c.maxPositionEmbeddings,
    tie_word_embeddings: c.tieWordEmbeddings,
    initializer_range: c.initializerRange,
    attention_dropout: 0.0,
    use_cache: true,
  };
  // Encoder mode (bidirectional attention, e.g. after MLM training) survives a save/load; transformers keeps the key as it is.
  if (!c.isCausal) out.is_causal = false;
  if (c.modelType !== 'qwen2') out.attention_bias = c.qkvBias;
  if (c.modelType === 'llama') out.mlp_bias = c.mlpBias;
  if (c.ropeScaling?.type === 'linear') out.rope_scaling = { rope_type: 'linear', factor: c.ropeScaling.factor };
  if (c.ropeScaling?.type === 'llama3') {
    out.rope_scaling = {
      rope_type: 'llama3',
      factor: c.ropeScaling.factor,
      low_freq_factor: c.ropeScaling.lowFreqFactor,
      high_freq_factor: c.ropeScaling.highFreqFactor,
      original_max_position_embeddings: c.ropeScaling.originalMaxPositionEmbeddings,
    };
  }
  if (c.slidingWindow !== undefined) {
    out.sliding_window = c.slidingWindow;
    if (c.modelType === 'qwen2') out.use_sliding_window = true;
  }
  if (c.bosTokenId !== undefined) out.bos_token_id = c.bosTokenId;
  if (c.eosTokenId !== undefined) out.eos_token_id = c.eosTokenId;
  if (c.padTokenId !== undefined) out.pad_token_id = c.padTokenId;
  if (c.dtype !== undefined) out.dtype = c.dtype;
  return out;
}
