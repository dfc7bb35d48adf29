import type { DType } from '../../tensor/dtype.js';
import type { HfActivation } from '../activations.js';

/** GPT-2's config.json (its own key names: n_embd, n_layer, ...). */
export interface Gpt2Config {
  modelType: 'gpt2';
  vocabSize: number;
  /** Learned positions available. */
  nPositions: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  /** MLP width; transformers' default is 4 · nEmbd. */
  nInner: number;
  activation: HfActivation;
  layerNormEps: number;
  tieWordEmbeddings: boolean;
  attnPdrop: number;
  residPdrop: number;
  embdPdrop: number;
  initializerRange: number;
  bosTokenId?: number;
  eosTokenId?: number | number[];
  padTokenId?: number;
  /** Parameter dtype (float32 unless loaded otherwise). */
  dtype?: DType;
}

export function gpt2Config(overrides: Partial<Gpt2Config> = {}): Gpt2Config {
  const nEmbd = overrides.nEmbd ?? 768;
  return {
    modelType: 'gpt2',
    vocabSize: 50257,
    nPositions: 1024,
    nEmbd,
    nLayer: 12,
    nHead: 12,
    nInner: 4 * nEmbd,
    activation: 'gelu_new',
    layerNormEps: 1e-5,
    tieWordEmbeddings: true,
    attnPdrop: 0.1,
    residPdrop: 0.1,
    embdPdrop: 0.1,
    initializerRange: 0.02,
    ...overrides,
  };
}

export function parseGpt2Config(raw: Record<string, unknown>, source = 'config.json'): Gpt2Config {
  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: '${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const activation = String(raw.activation_function ?? 'gelu_new');
  if (!['gelu_new', 'gelu', 'relu', 'gelu_pytorch_tanh'].includes(activation)) {
    throw new Error(`${source}: activation_function '${activation}' is not supported`);
  }
  const nEmbd = num('n_embd');
  const config: Gpt2Config = {
    modelType: 'gpt2',
    vocabSize: num('vocab_size'),
    nPositions: num('n_positions', 1024),
    nEmbd,
    nLayer: num('n_layer'),
    nHead: num('n_head'),
    nInner: typeof raw.n_inner === 'number' ? raw.n_inner : 4 * nEmbd,
    activation: activation as Gpt2Config['activation'],
    layerNormEps: num('layer_norm_epsilon', 1e-5),
    tieWordEmbeddings: raw.tie_word_embeddings !== false,
    attnPdrop: num('attn_pdrop', 0.1),
    residPdrop: num('resid_pdrop', 0.1),
    embdPdrop: num('embd_pdrop', 0.1),
    initializerRange: num('initializer_range', 0.02),
  };
  if (typeof raw.bos_token_id === 'number') config.bosTokenId = raw.bos_token_id;
  if (typeof raw.eos_token_id === 'number' || Array.isArray(raw.eos_token_id)) config.eosTokenId = raw.eos_token_id as number | number[];
  if (typeof raw.pad_token_id === 'number') config.padTokenId = raw.pad_token_id;
  return config;
}

export function gpt2ToHfConfig(c: Gpt2Config, dtype: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.nInner,
    activation_function: c.activation,
    layer_norm_epsilon: c.layerNormEps,
    tie_word_embeddings: c.tieWordEmbeddings,
    attn_pdrop: c.attnPdrop,
    resid_pdrop: c.residPdrop,
    embd_pdrop: c.embdPdrop,
    initializer_range: c.initializerRange,
    dtype,
  };
  if (c.bosTokenId !== undefined) out.bos_token_id = c.bosTokenId;
  if (c.eosTokenId !== undefined) out.eos_token_id = c.eosTokenId;
  if (c.padTokenId !== undefined) out.pad_token_id = c.padTokenId;
  return out;
}
