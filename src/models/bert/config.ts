/**
 * BERT and RoBERTa configuration: transformers' BertConfig / RobertaConfig fields, read from and
 * written back to config.json. RoBERTa differs from BERT only in its positions (see
 * embeddings.ts), its single token type and the names and shapes of its heads.
 */
import type { DType } from '../../tensor/dtype.js';
import { labelMaps, numLabelsOf } from '../labels.js';
import { HF_ACTIVATIONS, type HfActivation } from '../activations.js';

export const ENCODER_TYPES = ['bert', 'roberta'] as const;
export type EncoderType = (typeof ENCODER_TYPES)[number];

/** BERT's hidden_act: the GPT-2 family's activations (`gelu` exact, the others tanh). */
export const BERT_ACTIVATIONS = HF_ACTIVATIONS;
export type BertActivation = HfActivation;

/** How a sequence-classification loss reads its labels (transformers' `problem_type`). */
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

export interface BertConfig {
  modelType: EncoderType;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Feed-forward width (BERT-base: 3072 = 4 · hidden). */
  intermediateSize: number;
  hiddenAct: BertActivation;
  /** Dropout on the embeddings and on each sub-layer's output, in training mode. */
  hiddenDropoutProb: number;
  /** Dropout on the attention probabilities, in training mode. */
  attentionProbsDropoutProb: number;
  /** Dropout before a classification head; transformers falls back to hiddenDropoutProb. */
  classifierDropout?: number;
  /** Rows of the learned position table (RoBERTa's includes the padding_idx + 1 offset). */
  maxPositionEmbeddings: number;
  /** Segment embeddings: 2 for BERT's sentence pairs, 1 for RoBERTa. */
  typeVocabSize: number;
  layerNormEps: number;
  /** Pad id; RoBERTa's positions start at padTokenId + 1 and pads keep position padTokenId. */
  padTokenId: number;
  /** The MLM decoder shares the word-embedding matrix (transformers' default). */
  tieWordEmbeddings: boolean;
  initializerRange: number;
  /** Outputs of a sequence-classification head. */
  numLabels: number;
  problemType?: ProblemType;
  bosTokenId?: number;
  eosTokenId?: number;
  /** Parameter dtype (float32 unless loaded otherwise). */
  dtype?: DType;
}

/** BERT-base's defaults (transformers' BertConfig()), overridden by `overrides`. */
export function bertConfig(overrides: Partial<BertConfig> = {}): BertConfig {
  const roberta = overrides.modelType === 'roberta';
  return {
    modelType: 'bert',
    vocabSize: roberta ? 50265 : 30522,
    hiddenSize: 768,
    numLayers: 12,
    numHeads: 12,
    intermediateSize: 3072,
    hiddenAct: 'gelu',
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    maxPositionEmbeddings: roberta ? 514 : 512,
    typeVocabSize: roberta ? 1 : 2,
    layerNormEps: 1e-12,
    padTokenId: roberta ? 1 : 0,
    tieWordEmbeddings: true,
    initializerRange: 0.02,
    numLabels: 2,
    ...overrides,
  };
}

/** Reads a bert or roberta config.json; `source` names the file in errors. */
export function parseBertConfig(raw: Record<string, unknown>, source = 'config.json'): BertConfig {
  const modelType = raw.model_type;
  if (!(ENCODER_TYPES as readonly unknown[]).includes(modelType)) {
    throw new Error(`${source}: model_type '${String(modelType)}' is not an encoder; supported: ${ENCODER_TYPES.join(', ')}`);
  }
  const defaults = bertConfig({ modelType: modelType as EncoderType });
  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: '${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const act = String(raw.hidden_act ?? 'gelu');
  if (!(BERT_ACTIVATIONS as readonly string[]).includes(act)) {
    throw new Error(`${source}: hidden_act '${act}' is not supported (${BERT_ACTIVATIONS.join(', ')})`);
  }
  // Refused rather than run as something else: a causal BERT (BertLMHeadModel), relative positions.
  if (raw.is_decoder === true || raw.add_cross_attention === true) throw new Error(`${source}: is_decoder / add_cross_attention BERT models are not supported`);
  const positions = raw.position_embedding_type ?? 'absolute';
  if (positions !== 'absolute') throw new Error(`${source}: position_embedding_type '${String(positions)}' is not supported (absolute)`);
  const hiddenSize = num('hidden_size', defaults.hiddenSize);
  const numHeads = num('num_attention_heads', defaults.numHeads);
  if (hiddenSize % numHeads !== 0) throw new Error(`${source}: hidden_size (${hiddenSize}) must be divisible by num_attention_heads (${numHeads})`);
  const config: BertConfig = {
    modelType: modelType as EncoderType,
    vocabSize: num('vocab_size', defaults.vocabSize),
    hiddenSize,
    numLayers: num('num_hidden_layers', defaults.numLayers),
    numHeads,
    intermediateSize: num('intermediate_size', defaults.intermediateSize),
    hiddenAct: act as BertActivation,
    hiddenDropoutProb: num('hidden_dropout_prob', defaults.hiddenDropoutProb),
    attentionProbsDropoutProb: num('attention_probs_dropout_prob', defaults.attentionProbsDropoutProb),
    maxPositionEmbeddings: num('max_position_embeddings', defaults.maxPositionEmbeddings),
    typeVocabSize: num('type_vocab_size', defaults.typeVocabSize),
    layerNormEps: num('layer_norm_eps', defaults.layerNormEps),
    padTokenId: num('pad_token_id', defaults.padTokenId),
    tieWordEmbeddings: raw.tie_word_embeddings !== false,
    initializerRange: num('initializer_range', defaults.initializerRange),
    numLabels: typeof raw.num_labels === 'number' ? raw.num_labels : (numLabelsOf(raw) ?? 2),
  };
  if (typeof raw.classifier_dropout === 'number') config.classifierDropout = raw.classifier_dropout;
  const problem = raw.problem_type;
  if (problem === 'regression' || problem === 'single_label_classification' || problem === 'multi_label_classification') config.problemType = problem;
  if (typeof raw.bos_token_id === 'number') config.bosTokenId = raw.bos_token_id;
  if (typeof raw.eos_token_id === 'number') config.eosTokenId = raw.eos_token_id;
  const dtype = raw.dtype ?? raw.torch_dtype;
  if (dtype === 'float32' || dtype === 'bfloat16' || dtype === 'float16') config.dtype = dtype;
  return config;
}

/** The config.json transformers reads back into the same model; `architecture` e.g. 'BertForMaskedLM'. */
export function bertToHfConfig(c: BertConfig, architecture: string, dtype: DType): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [architecture],
    model_type: c.modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct,
    hidden_dropout_prob: c.hiddenDropoutProb,
    attention_probs_dropout_prob: c.attentionProbsDropoutProb,
    classifier_dropout: c.classifierDropout ?? null,
    max_position_embeddings: c.maxPositionEmbeddings,
    type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: c.padTokenId,
    tie_word_embeddings: c.tieWordEmbeddings,
    initializer_range: c.initializerRange,
    ...labelMaps(c.numLabels),
    dtype,
  };
  if (c.problemType !== undefined) out.problem_type = c.problemType;
  if (c.bosTokenId !== undefined) out.bos_token_id = c.bosTokenId;
  if (c.eosTokenId !== undefined) out.eos_token_id = c.eosTokenId;
  return out;
}
