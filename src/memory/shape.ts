/**
 * A model's shape as the memory planner needs it: the dimensions activations scale with and
 * the parameter count by dtype, read from config.json and the checkpoint's safetensors headers
 * (no tensor data is read), or counted from config.json alone where there are no weights yet.
 *
 * ```ts
 * const shape = readModelShape('test/fixtures/models/tiny-qwen2');
 * shape.parameters.total; // 125504, from model.safetensors' header
 * decoderParameterCount(parseHfConfig(qwen25_05bConfigJson)); // 494032768
 * ```
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_FILE_NAME, readCheckpointLayout, SINGLE_FILE_NAME } from '../io/index.js';
import { MODEL_TYPES, parseHfConfig, readRawConfig, type DecoderConfig } from '../models/index.js';
import { parseGpt2Config, type Gpt2Config } from '../models/gpt2/config.js';
import type { DType } from '../tensor/index.js';

/** One linear layer of a block, by its dotted name inside the block (what LoRA's target_modules match). */
export interface LayerLinear {
  name: string;
  inFeatures: number;
  outFeatures: number;
}

export interface ModelShape {
  /** config.json's model_type. */
  modelType: string;
  vocabSize: number;
  hiddenSize: number;
  /** MLP width. */
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** SwiGLU (gate, up, down: Llama, Qwen2, Mistral) or a two-matrix MLP (GPT-2). */
  gatedMlp: boolean;
  /** The output head is the input embedding (no lm_head weight of its own). */
  tiedEmbeddings: boolean;
  /** Dropout probabilities while training (GPT-2's attn_pdrop, resid_pdrop, embd_pdrop; 0 for the Llama family). */
  dropout: { attention: number; residual: number; embedding: number };
  /** The linear layers of one block, for counting LoRA adapters. */
  layerLinears: LayerLinear[];
  /** How a block's linears are named in the whole model: the prefix before the layer index. */
  layerPrefix: string;
  /** Parameter counts: in all, by the dtype they are stored in, and where the counts come from. */
  parameters: { total: number; byDtype: Partial<Record<DType, number>>; source: 'checkpoint' | 'config' };
  /** The checkpoint file(s) the weights are read from; empty for a config.json-only directory. */
  weightFiles: string[];
}

/**
 * Parameters of a Llama / Qwen2 / Mistral causal LM from its config alone: embedding, per block
 * the q/k/v/o projections (with their biases), the gated MLP and two RMSNorms, the final norm,
 * and an lm_head unless tied.
 * @example decoderParameterCount(qwen25_05b) // 494032768 = 151936·896 + 24·14912384 + 896
 */
export function decoderParameterCount(c: DecoderConfig): number {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const attention = c.hiddenSize * (q + 2 * kv) + q * c.hiddenSize + (c.qkvBias ? q + 2 * kv : 0) + (c.oBias ? c.hiddenSize : 0);
  const mlp = 3 * c.hiddenSize * c.intermediateSize + (c.mlpBias ? 2 * c.intermediateSize + c.hiddenSize : 0);
  const block = attention + mlp + 2 * c.hiddenSize;
  const embedding = c.vocabSize * c.hiddenSize;
  return embedding + c.numLayers * block + c.hiddenSize + (c.tieWordEmbeddings ? 0 : embedding);
}

/**
 * Parameters of GPT-2 from its config: token and position embeddings, per block two LayerNorms,
 * the fused qkv and output projections and the MLP (all with biases), the final LayerNorm, and
 * an lm_head unless tied.
 * @example gpt2ParameterCount(gpt2Config()) // 124439808 (gpt2 small)
 */
export function gpt2ParameterCount(c: Gpt2Config): number {
  const E = c.nEmbd;
  const block = 2 * 2 * E + (E * 3 * E + 3 * E) + (E * E + E) + (E * c.nInner + c.nInner) + (c.nInner * E + E);
  return c.vocabSize * E + c.nPositions * E + c.nLayer * block + 2 * E + (c.tieWordEmbeddings ? 0 : c.vocabSize * E);
}

/** The shape of a Llama / Qwen2 / Mistral model; counts from the config, in its dtype (float32 when it names none). */
export function decoderShape(c: DecoderConfig): ModelShape {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const H = c.hiddenSize;
  const total = decoderParameterCount(c);
  return {
    modelType: c.modelType,
    vocabSize: c.vocabSize,
    hiddenSize: H,
    intermediateSize: c.intermediateSize,
    numLayers: c.numLayers,
    numHeads: c.numHeads,
    numKvHeads: c.numKvHeads,
    headDim: c.headDim,
    gatedMlp: true,
    tiedEmbeddings: c.tieWordEmbeddings,
    dropout: { attention: 0, residual: 0, embedding: 0 },
    layerLinears: [
      { name: 'self_attn.q_proj', inFeatures: H, outFeatures: q },
      { name: 'self_attn.k_proj', inFeatures: H, outFeatures: kv },
      { name: 'self_attn.v_proj', inFeatures: H, outFeatures: kv },
      { name: 'self_attn.o_proj', inFeatures: q, outFeatures: H },
      { name: 'mlp.gate_proj', inFeatures: H, outFeatures: c.intermediateSize },
      { name: 'mlp.up_proj', inFeatures: H, outFeatures: c.intermediateSize },
      { name: 'mlp.down_proj', inFeatures: c.intermediateSize, outFeatures: H },
    ],
    layerPrefix: 'model.layers',
    parameters: { total, byDtype: { [c.dtype ?? 'float32']: total }, source: 'config' },
    weightFiles: [],
  };
}

/** The shape of a GPT-2 model (its projections are Conv1D layers, which LoRA adapts as PEFT's fan_in_fan_out). */
export function gpt2Shape(c: Gpt2Config): ModelShape {
  const total = gpt2ParameterCount(c);
  return {
    modelType: 'gpt2',
    vocabSize: c.vocabSize,
    hiddenSize: c.nEmbd,
    intermediateSize: c.nInner,
    numLayers: c.nLayer,
    numHeads: c.nHead,
    numKvHeads: c.nHead,
    headDim: c.nEmbd / c.nHead,
    gatedMlp: false,
    tiedEmbeddings: c.tieWordEmbeddings,
    dropout: { attention: c.attnPdrop, residual: c.residPdrop, embedding: c.embdPdrop },
    layerLinears: [
      { name: 'attn.c_attn', inFeatures: c.nEmbd, outFeatures: 3 * c.nEmbd },
      { name: 'attn.c_proj', inFeatures: c.nEmbd, outFeatures: c.nEmbd },
      { name: 'mlp.c_fc', inFeatures: c.nEmbd, outFeatures: c.nInner },
      { name: 'mlp.c_proj', inFeatures: c.nInner, outFeatures: c.nEmbd },
    ],
    layerPrefix: 'transformer.h',
    parameters: { total, byDtype: { [c.dtype ?? 'float32']: total }, source: 'config' },
    weightFiles: [],
  };
}

/**
 * The shape of the model in `dir`: dimensions from config.json, parameter counts by dtype from
 * the safetensors headers when the directory holds weights (exact: a reward model's score head,
 * a checkpoint saved in bfloat16), else counted from config.json.
 */
export function readModelShape(dir: string): ModelShape {
  const { raw, path } = readRawConfig(dir);
  const shape = raw.model_type === 'gpt2' ? gpt2Shape(parseGpt2Config(raw, path)) : decoderOf(raw, path);
  const hasWeights = existsSync(join(dir, SINGLE_FILE_NAME)) || existsSync(join(dir, INDEX_FILE_NAME));
  if (!hasWeights) return shape;
  const layout = readCheckpointLayout(dir);
  const byDtype: Partial<Record<DType, number>> = {};
  let total = 0;
  for (const info of layout.tensors.values()) {
    const n = info.shape.reduce((a, b) => a * b, 1);
    byDtype[info.dtype] = (byDtype[info.dtype] ?? 0) + n;
    total += n;
  }
  return { ...shape, parameters: { total, byDtype, source: 'checkpoint' }, weightFiles: layout.files.map((f) => f.path) };
}

function decoderOf(raw: Record<string, unknown>, path: string): ModelShape {
  if (!(MODEL_TYPES as readonly unknown[]).includes(raw.model_type)) {
    throw new Error(`${path}: model_type '${String(raw.model_type)}' is not supported by the memory planner; supported: ${[...MODEL_TYPES, 'gpt2'].join(', ')}`);
  }
  return decoderShape(parseHfConfig(raw, path));
}

/**
 * LoRA adapter parameters for `targetModules` (PEFT's semantics, as nn/lora.ts: a list of name
 * suffixes, 'all-linear', or a regular expression over the whole dotted name): r·(in + out) for
 * each adapted linear of each block.
 * @example loraParameterCount(shape, 8, 'all-linear')
 */
export function loraParameterCount(shape: ModelShape, r: number, targetModules: string | readonly string[]): number {
  let n = 0;
  for (let layer = 0; layer < shape.numLayers; layer++) {
    for (const l of shape.layerLinears) {
      if (isTarget(`${shape.layerPrefix}.${layer}.${l.name}`, targetModules)) n += r * (l.inFeatures + l.outFeatures);
    }
  }
  return n;
}

/**
 * The names (inside a block) of the linears that get adapters in the first block.
 * @example loraTargets(shape, ['q_proj', 'v_proj']) // ['self_attn.q_proj', 'self_attn.v_proj']
 */
export function loraTargets(shape: ModelShape, targetModules: string | readonly string[]): string[] {
  return shape.layerLinears.filter((l) => isTarget(`${shape.layerPrefix}.0.${l.name}`, targetModules)).map((l) => l.name);
}

function isTarget(name: string, targetModules: string | readonly string[]): boolean {
  if (targetModules === 'all-linear') return true;
  if (typeof targetModules === 'string') return new RegExp(`^(?:${targetModules})$`).test(name);
  return targetModules.some((t) => name === t || name.endsWith(`.${t}`));
}
