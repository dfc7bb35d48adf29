/**
 * Activation memory of one training micro-batch: what autograd keeps between the forward and
 * the backward pass, per token, and the transient tensors on top of it at the two moments a
 * step peaks (the end of the forward, with one chunk of logits; the backward of a block).
 *
 * The per-token figures name the tensors this codebase's kernels keep (models/decoder.ts,
 * nn/linear-cross-entropy.ts, nn/checkpoint.ts) and were checked against the addon's CPU
 * allocator (cpuMemory) on models of several shapes: within a few percent in float32 (the
 * counts below are exact there), within ~15% under bfloat16 autocast, whose CPU attention goes
 * through libtorch's SDPA with a mask instead of the packed float32 kernel.
 *
 * ```ts
 * const a = stepActivations(shape, { rows: 8, length: 512, precision: 'float32', checkpointing: false, head: 'lm-sum' });
 * a.forwardPeak; // bytes at the end of the forward
 * ```
 */
import { linearCrossEntropyChunkRows } from '../nn/linear-cross-entropy.js';
import { buildInfo } from '../tensor/index.js';
import type { ModelShape } from './shape.js';

/**
 * The dtype the forward computes in: float32 weights without autocast; float32 weights under
 * bfloat16/float16 autocast (training.bf16 / fp16); or 16-bit weights (model.dtype).
 */
export type ActivationPrecision = 'float32' | 'autocast' | 'half';

/**
 * What the model's output head computes: the LM head's fused cross entropy summed (SFT: the
 * weight's gradient is computed during the forward), per token (DPO, GRPO, PPO log-probs:
 * backward recomputes each chunk's logits), or a small score head (reward, value, PRM models).
 */
export type HeadKind = 'lm-sum' | 'lm-per-token' | 'score';

export interface MicroBatch {
  /** Rows of the micro-batch (DPO: chosen and rejected, 2 x the batch size). */
  rows: number;
  /** Padded length of a row in tokens (the planner assumes every row reaches it). */
  length: number;
  /** Positions per row that go through the head (online RL: the completion's); default `length`. */
  headLength?: number;
  precision: ActivationPrecision;
  checkpointing: boolean;
  head: HeadKind;
  /** Elements per token each block keeps for its LoRA adapters (loraBlockElements); default 0. */
  adapterElements?: number;
}

/** Bytes of one activation element: float32, or the 16-bit dtype of autocast / the weights. */
const FLOAT32 = 4;
const HALF = 2;

/** Token ids, attention mask, labels and the padding-free layout's indices: int64 tensors per token. */
const BATCH_TENSOR_BYTES_PER_TOKEN = 40;

/**
 * Bytes per token one block keeps for backward.
 *
 * float32 (the packed attention kernel): the block's input and the residual after attention
 * (4H each), both RMSNorm outputs (4H each), q and the attention output (4·nH·d each), k and v
 * (4·nKV·d each), the gate and up projections (4I each; the fused SiLU·up·down recomputes their
 * product in backward), one float32 log-sum-exp per head and an inverse RMS per norm.
 *
 * bfloat16/float16 autocast: the residual stream stays float32 (8H), the norms' outputs become
 * 16-bit copies (4H), q/k/v/o and the MLP halve; libtorch's SDPA, which autocast runs instead of
 * the packed kernel, keeps a 16-bit additive mask row per token (2 bytes per key position) and
 * extra copies of q and the output (measured: 10 bytes per nH·d).
 *
 * On libtorch 1.x the bfloat16 SiLU·up stays composed (native/src/silu_mul.cc: its silu rounds
 * differently), which keeps four more 16-bit (tokens, I) tensors a block (measured).
 *
 * 16-bit weights: the float32 layout at 2 bytes an element.
 *
 * GPT-2 (LayerNorm, fused qkv, GELU MLP without a gate): input, residual and both norm outputs,
 * q/k/v, the attention output and its reshaped copy, the MLP's input to GELU and its output; with
 * attention dropout, SDPA's math path keeps each head's attention weights, their dropped copy and
 * the mask (12 bytes per key position per head), and each residual dropout its mask.
 */
/** Whether this libtorch runs the bfloat16 SiLU·up as composed ops (1.x) rather than the fused kernel. */
function composedBf16SiluMul(): boolean {
  return Number(buildInfo().torchVersion.split('.')[0]) < 2;
}

export function blockBytesPerToken(shape: ModelShape, precision: ActivationPrecision, length: number): number {
  const { hiddenSize: H, intermediateSize: I, numHeads: nH } = shape;
  const q = nH * shape.headDim;
  const kv = shape.numKvHeads * shape.headDim;
  const stats = FLOAT32 * (nH + 2);
  if (!shape.gatedMlp) {
    const bytes = precision === 'float32' ? FLOAT32 : HALF;
    const elements = 4 * H + 3 * q + 2 * kv + 2 * I; // the attention's reshaped copy: one more q
    const attentionDropout = shape.dropout.attention > 0 ? 3 * bytes * nH * length : 0;
    const residualDropout = shape.dropout.residual > 0 ? 2 * FLOAT32 * H : 0;
    return bytes * elements + stats + attentionDropout + residualDropout;
  }
  switch (precision) {
    case 'float32':
      return FLOAT32 * (4 * H + 2 * q + 2 * kv + 2 * I) + stats;
    case 'half':
      return HALF * (4 * H + 2 * q + 2 * kv + 2 * I) + stats;
    case 'autocast':
      return FLOAT32 * 2 * H + HALF * (2 * H + 5 * q + 2 * kv + (composedBf16SiluMul() ? 6 : 2) * I) + HALF * length + stats;
    default: {
      const never: never = precision;
      throw new Error(`unknown activation precision ${String(never)}`);
    }
  }
}

/**
 * Bytes per token of the trunk's ends: the embeddings' output and its padding-free packed copy,
 * the last block's output, the final norm's output and its unpacked copy, the head's input rows
 * (a contiguous copy and the selected rows) and, for a summed LM loss, the gradient of those rows
 * that the fused head computes in its forward: 8.5 (tokens, H) tensors (7.5 without that gradient),
 * measured; GPT-2 two to four more. Score heads keep the last hidden states and the norm's output.
 */
export function headBytesPerToken(shape: ModelShape, precision: ActivationPrecision, head: HeadKind): number {
  const bytes = precision === 'half' ? HALF : FLOAT32;
  // GPT-2 adds the position embeddings, LayerNorm's saved statistics and embedding dropout's mask.
  const gpt2 = shape.gatedMlp ? 0 : 2 + (shape.dropout.embedding > 0 ? 2 : 0);
  const tensors = (head === 'lm-sum' ? 8.5 : head === 'lm-per-token' ? 7.5 : 4) + gpt2;
  return bytes * tensors * shape.hiddenSize;
}

/**
 * The LM head's logits as they exist at once: nn/linear-cross-entropy.ts computes them a chunk of
 * linearCrossEntropyChunkRows(vocab) tokens at a time, in float32 (under autocast or with 16-bit
 * weights, the 16-bit product too). Backward of per-token log-probs recomputes a chunk's logits
 * and their gradient: two float32 buffers.
 */
export function logitsChunkBytes(shape: ModelShape, tokens: number, precision: ActivationPrecision, phase: 'forward' | 'backward' = 'forward'): number {
  const rows = Math.min(tokens, linearCrossEntropyChunkRows(shape.vocabSize));
  const bytesPerLogit = phase === 'backward' ? 2 * FLOAT32 : precision === 'float32' ? FLOAT32 : FLOAT32 + HALF;
  return rows * shape.vocabSize * bytesPerLogit;
}

/**
 * Transient bytes per token while one block runs backward: the MLP's recomputed product and the
 * gradients of its gate and up projections (three (tokens, I) tensors; two without a gate) in the
 * activations' dtype, float32 for the float32 path.
 */
export function blockBackwardBytesPerToken(shape: ModelShape, precision: ActivationPrecision): number {
  return (precision === 'float32' ? FLOAT32 : HALF) * (shape.gatedMlp ? 3 : 2) * shape.intermediateSize;
}

/**
 * Transient bytes per token of a forward without gradients (a reference or reward model, the
 * rollout's scoring): one block's outputs at a time (each block runs in its own scope), that is
 * its q/k/v, attention output, gate/up/product and the hidden states in and out.
 */
export function inferenceBytesPerToken(shape: ModelShape, precision: ActivationPrecision): number {
  const q = shape.numHeads * shape.headDim;
  const kv = shape.numKvHeads * shape.headDim;
  const bytes = precision === 'float32' ? FLOAT32 : HALF;
  return bytes * (4 * shape.hiddenSize + 2 * q + 2 * kv + 3 * shape.intermediateSize);
}

/**
 * Elements per token a block keeps for LoRA adapters on `targets` (names inside the block): each
 * adapted linear keeps its adapter's rank-r hidden and an output-sized product; an adapter on the
 * MLP's down projection also turns the fused SiLU·up·down off, so the (tokens, I) product is kept.
 * @example loraBlockElements(shape, 8, ['self_attn.q_proj', 'self_attn.v_proj'])
 */
export function loraBlockElements(shape: ModelShape, r: number, targets: readonly string[]): number {
  let n = 0;
  for (const l of shape.layerLinears) if (targets.includes(l.name)) n += r + l.outFeatures;
  return n + (shape.gatedMlp && targets.includes('mlp.down_proj') ? shape.intermediateSize : 0);
}

/** One micro-batch's activations at the moments that can be a step's peak (parameter gradients not included). */
export interface StepActivations {
  tokens: number;
  /** Bytes per token kept for backward by all blocks, without checkpointing. */
  keptPerToken: number;
  /** The same with gradient checkpointing: each block keeps its input (and, until the replays end, its output's gradient). */
  keptPerTokenCheckpointed: number;
  /** At the end of the forward: what the blocks and the head keep, the batch, one chunk of logits. */
  forwardPeak: number;
  /** While the last block runs backward: every block's activations (checkpointing: the inputs and one replayed block) and its transients. */
  backwardPeak: number;
  /** While the first block runs backward (by then every parameter gradient exists): its own activations and transients. */
  backwardEnd: number;
}

/**
 * The activations of one micro-batch of `rows` x `length` tokens.
 * @example stepActivations(shape, { rows: 2, length: 1024, precision: 'autocast', checkpointing: true, head: 'lm-sum' })
 */
export function stepActivations(shape: ModelShape, batch: MicroBatch): StepActivations {
  const tokens = batch.rows * batch.length;
  const { precision } = batch;
  const headTokens = batch.rows * (batch.headLength ?? batch.length);
  const adapters = (precision === 'float32' ? FLOAT32 : HALF) * (batch.adapterElements ?? 0);
  const block = blockBytesPerToken(shape, precision, batch.length) + adapters;
  const back = blockBackwardBytesPerToken(shape, precision);
  // The head's per-token tensors: the trunk's ends for every token, the head's rows for its own.
  const ends = headBytesPerToken(shape, precision, 'score');
  const head = ends + (headBytesPerToken(shape, precision, batch.head) - ends) * (headTokens / tokens);
  const residual = (precision === 'half' ? HALF : FLOAT32) * shape.hiddenSize;
  // Checkpointing keeps each block's input and, until the replays finish, the gradient its output
  // received (nn/checkpoint.ts), plus the rotary tables and the chain's root for the replays.
  const checkpointKept = 2 * residual;
  const replayExtra = 2 * residual + 2 * FLOAT32 * shape.headDim;
  const L = shape.numLayers;
  const keptPerToken = L * block;
  const keptPerTokenCheckpointed = L * checkpointKept;
  const kept = batch.checkpointing ? keptPerTokenCheckpointed : keptPerToken;
  const isLm = batch.head !== 'score';
  const forwardPeak = tokens * (kept + head + BATCH_TENSOR_BYTES_PER_TOKEN) + (isLm ? logitsChunkBytes(shape, headTokens, precision) : 0);
  const headBackward = batch.head === 'lm-per-token' ? logitsChunkBytes(shape, headTokens, precision, 'backward') : 0;
  const backwardPeak = batch.checkpointing
    ? tokens * (kept + replayExtra + block + back + BATCH_TENSOR_BYTES_PER_TOKEN)
    : Math.max(tokens * (kept + back + BATCH_TENSOR_BYTES_PER_TOKEN), tokens * (kept + head) + headBackward);
  const backwardEnd = tokens * ((batch.checkpointing ? kept + replayExtra : 0) + block + back + BATCH_TENSOR_BYTES_PER_TOKEN);
  return { tokens, keptPerToken, keptPerTokenCheckpointed, forwardPeak, backwardPeak, backwardEnd };
}
