/**
 * The pure arithmetic of `npm run bench -- scale`: the Qwen2.5 shapes it builds, their parameter
 * counts, where training and decoding memory goes at each size, and the decoding roofline. No
 * tensors here, so the tests check it without building a model.
 */
import { decoderConfig, type DecoderConfig } from '../src/models/index.js';

/** smoke: a 10 M-parameter model of the same vocabulary, to check the bench itself end to end in seconds. */
export const SCALES = ['0.5b', '1.5b', '7b', 'smoke'] as const;
export type Scale = (typeof SCALES)[number];

/** The fields of a Qwen2.5 config.json the bench builds (rms_norm_eps 1e-6, qkv bias, silu everywhere). */
export type ScaleShape = Pick<DecoderConfig, 'vocabSize' | 'hiddenSize' | 'intermediateSize' | 'numLayers' | 'numHeads' | 'numKvHeads'
  | 'tieWordEmbeddings' | 'ropeTheta' | 'maxPositionEmbeddings'>;

/** Qwen2.5-0.5B, -1.5B and -7B (their config.json on the hub), and the smoke shape. */
export const SCALE_SHAPES: Record<Scale, ScaleShape> = {
  '0.5b': { vocabSize: 151936, hiddenSize: 896, intermediateSize: 4864, numLayers: 24, numHeads: 14, numKvHeads: 2, tieWordEmbeddings: true, ropeTheta: 1e6, maxPositionEmbeddings: 32768 },
  '1.5b': { vocabSize: 151936, hiddenSize: 1536, intermediateSize: 8960, numLayers: 28, numHeads: 12, numKvHeads: 2, tieWordEmbeddings: true, ropeTheta: 1e6, maxPositionEmbeddings: 32768 },
  smoke: { vocabSize: 151936, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, tieWordEmbeddings: true, ropeTheta: 1e6, maxPositionEmbeddings: 32768 },
  '7b': { vocabSize: 152064, hiddenSize: 3584, intermediateSize: 18944, numLayers: 28, numHeads: 28, numKvHeads: 4, tieWordEmbeddings: false, ropeTheta: 1e6, maxPositionEmbeddings: 32768 },
};

/** Qwen's <|endoftext|>: eos and (as its tokenizer's pad) the pad id. */
export const QWEN_EOS = 151643;

export function scaleDecoderConfig(scale: Scale): DecoderConfig {
  const s = SCALE_SHAPES[scale];
  return decoderConfig({
    modelType: 'qwen2', qkvBias: true, vocabSize: s.vocabSize, hiddenSize: s.hiddenSize, intermediateSize: s.intermediateSize,
    numLayers: s.numLayers, numHeads: s.numHeads, numKvHeads: s.numKvHeads, headDim: s.hiddenSize / s.numHeads,
    tieWordEmbeddings: s.tieWordEmbeddings, ropeTheta: s.ropeTheta, maxPositionEmbeddings: s.maxPositionEmbeddings,
    rmsNormEps: 1e-6, bosTokenId: QWEN_EOS, eosTokenId: QWEN_EOS,
  });
}

const headDim = (s: ScaleShape) => s.hiddenSize / s.numHeads;
const kvDim = (s: ScaleShape) => s.numKvHeads * headDim(s);

/** The (in, out) features of one decoder layer's linear layers: q, k, v, o, gate, up, down. */
export function layerLinears(s: ScaleShape): [number, number][] {
  const h = s.hiddenSize;
  const i = s.intermediateSize;
  return [[h, h], [h, kvDim(s)], [h, kvDim(s)], [h, h], [h, i], [h, i], [i, h]];
}

export interface ParameterCount {
  embedding: number;
  /** All decoder layers: linears, q/k/v biases, two RMSNorms each. */
  layers: number;
  finalNorm: number;
  /** 0 with tied embeddings. */
  lmHead: number;
  total: number;
}

export function parameterCount(s: ScaleShape): ParameterCount {
  const linears = layerLinears(s).reduce((n, [a, b]) => n + a * b, 0);
  const biases = s.hiddenSize + 2 * kvDim(s); // q, k, v
  const perLayer = linears + biases + 2 * s.hiddenSize;
  const embedding = s.vocabSize * s.hiddenSize;
  const lmHead = s.tieWordEmbeddings ? 0 : embedding;
  const layers = perLayer * s.numLayers;
  return { embedding, layers, finalNorm: s.hiddenSize, lmHead, total: embedding + layers + s.hiddenSize + lmHead };
}

/** LoRA adapter parameters on every linear layer of the decoder (PEFT's all-linear: the LM head excluded). */
export function loraParameterCount(s: ScaleShape, rank: number): number {
  return s.numLayers * layerLinears(s).reduce((n, [a, b]) => n + rank * (a + b), 0);
}

export const DTYPE_BYTES = { fp32: 4, bf16: 2 } as const;
export type BenchDtype = keyof typeof DTYPE_BYTES;

/**
 * Weight bytes one decoding step reads: every weight once. The embedding is gathered by row (a few
 * rows per step), so an untied input embedding does not count; a tied one is read whole as the LM head.
 */
export function decodeBytesPerStep(s: ScaleShape, dtype: BenchDtype): number {
  const p = parameterCount(s);
  return (p.total - (s.tieWordEmbeddings ? 0 : p.embedding)) * DTYPE_BYTES[dtype];
}

/** Keys and values of one token over all layers. */
export function kvCacheBytesPerToken(s: ScaleShape, dtype: BenchDtype): number {
  return 2 * s.numLayers * kvDim(s) * DTYPE_BYTES[dtype];
}

/**
 * Activations autograd keeps per token for the backward of one decoder layer, in elements, when
 * attention saves no T x T matrix (SDPA's fused kernels): the two RMSNorm inputs and outputs (4h),
 * q (h), k and v (2 kv), the attention output and o_proj's input (2h), gate, up, silu(gate) and
 * their product (4i), the residual sum (h). An estimate (±20%), not a measurement.
 */
export function activationElementsPerTokenPerLayer(s: ScaleShape): number {
  return 8 * s.hiddenSize + 2 * kvDim(s) + 4 * s.intermediateSize;
}

/** Bytes of training state and per-token costs of one size: what docs/performance.md tabulates. */
export interface MemoryBudget {
  parameters: number;
  loraParameters: number;
  weightsFp32: number;
  weightsBf16: number;
  /** fp32 gradients of every parameter (full fine-tuning; bf16 autocast keeps fp32 weights and grads). */
  gradsFp32: number;
  /** AdamW's exp_avg and exp_avg_sq in fp32. */
  adamFp32: number;
  /** Weights + grads + Adam: full fine-tuning in fp32 before any activation. */
  fullFinetuneState: number;
  /** Saved activations per token over all layers, fp32 (halve for bf16 autocast, roughly). */
  activationsPerToken: number;
  /** One copy of the full-vocabulary logits per token in fp32; a plain cross entropy holds ~3 (logits, log-softmax, their grad). */
  logitsPerToken: number;
  kvCachePerTokenFp32: number;
  kvCachePerTokenBf16: number;
  decodeBytesFp32: number;
  decodeBytesBf16: number;
}

export function memoryBudget(s: ScaleShape, loraRank = 16): MemoryBudget {
  const p = parameterCount(s).total;
  return {
    parameters: p,
    loraParameters: loraParameterCount(s, loraRank),
    weightsFp32: 4 * p,
    weightsBf16: 2 * p,
    gradsFp32: 4 * p,
    adamFp32: 8 * p,
    fullFinetuneState: 16 * p,
    activationsPerToken: 4 * s.numLayers * activationElementsPerTokenPerLayer(s),
    logitsPerToken: 4 * s.vocabSize,
    kvCachePerTokenFp32: kvCacheBytesPerToken(s, 'fp32'),
    kvCachePerTokenBf16: kvCacheBytesPerToken(s, 'bf16'),
    decodeBytesFp32: decodeBytesPerStep(s, 'fp32'),
    decodeBytesBf16: decodeBytesPerStep(s, 'bf16'),
  };
}

export interface Roofline {
  /** Weight bytes read per decoding step / measured seconds per step. */
  achievedBytesPerS: number;
  /** achieved / the machine's copy bandwidth. */
  fractionOfCopy: number;
  /** New tokens/s if each step only streamed the weights at copy bandwidth: batch x bandwidth / bytes. */
  boundTokensPerS: number;
}

/** Decoding against memory bandwidth: one step reads `bytesPerStep` and yields `batch` tokens. */
export function roofline(bytesPerStep: number, secondsPerStep: number, batch: number, copyBytesPerS: number): Roofline {
  if (!(secondsPerStep > 0) || !(copyBytesPerS > 0)) throw new RangeError(`roofline: step time (${secondsPerStep}) and bandwidth (${copyBytesPerS}) must be > 0`);
  const achieved = bytesPerStep / secondsPerStep;
  return { achievedBytesPerS: achieved, fractionOfCopy: achieved / copyBytesPerS, boundTokensPerS: (batch * copyBytesPerS) / bytesPerStep };
}

/** Seconds per decoding step from a run of N new tokens and one of 1 (the prefill and the first token). */
export function decodeStepSeconds(secondsForN: number, secondsForOne: number, n: number): number {
  if (n < 2) throw new RangeError(`decodeStepSeconds: needs at least 2 new tokens, got ${n}`);
  return Math.max(secondsForN - secondsForOne, 1e-9) / (n - 1);
}
