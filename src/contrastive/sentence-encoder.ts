/**
 * A model that turns token ids into one hidden vector per token, whatever its architecture: the
 * one place that loads a model directory for sentence embeddings (`rlhf embed`) and contrastive
 * training. Decoders (Llama, Qwen2, Mistral, GPT-2) come through loadCausalLm, encoders (BERT,
 * RoBERTa) through loadEncoder; another family adds a branch to loadSentenceEncoder.
 *
 * ```ts
 * const encoder = loadSentenceEncoder('test/fixtures/models/tiny-qwen2');
 * const h = encoder.encode(inputIds, attentionMask); // (B, T, H)
 * ```
 */
import { CAUSAL_LM_TYPES, ENCODER_TYPES, loadCausalLm, loadEncoder, readRawConfig, type BertModel, type PretrainedCausalLm } from '../models/index.js';
import type { Module } from '../nn/module.js';
import type { DType, Tensor } from '../tensor/index.js';

export interface SentenceEncoder {
  /** The model itself: its parameters, train()/eval(), to(device), saving. */
  readonly module: Module;
  /** 'decoder': causal attention, a token sees only those before it; 'encoder': bidirectional. */
  readonly attention: 'decoder' | 'encoder';
  /** H, the width of a hidden state. */
  readonly hiddenSize: number;
  /** Final hidden states (B, T, H) of token ids (B, T) under an attention mask (B, T), 1 on real tokens. */
  encode(inputIds: Tensor, attentionMask: Tensor): Tensor;
  dispose(): void;
}

export interface LoadSentenceEncoderOptions {
  /** Parameter dtype after loading. Default float32. */
  dtype?: DType;
}

/** A decoder LM as a sentence encoder: its final hidden states after the last norm, no LM head. */
export function decoderSentenceEncoder(lm: PretrainedCausalLm): SentenceEncoder {
  return {
    module: lm,
    attention: 'decoder',
    hiddenSize: 'hiddenSize' in lm.config ? lm.config.hiddenSize : lm.config.nEmbd,
    encode: (inputIds, attentionMask) => lm.forwardHidden({ inputIds, attentionMask }),
    dispose: () => lm.dispose(),
  };
}

/** A BERT-family encoder as a sentence encoder: its last layer's output (the pooler is not used). */
export function bertSentenceEncoder(model: BertModel): SentenceEncoder {
  return {
    module: model,
    attention: 'encoder',
    hiddenSize: model.config.hiddenSize,
    encode: (inputIds, attentionMask) => model.forward({ inputIds, attentionMask }).hiddenStates,
    dispose: () => model.dispose(),
  };
}

/** Loads a Hugging Face model directory by its config.json `model_type`, in eval mode. */
export function loadSentenceEncoder(dir: string, options: LoadSentenceEncoderOptions = {}): SentenceEncoder {
  const { raw, path } = readRawConfig(dir);
  const type = String(raw.model_type);
  const dtype = options.dtype ?? 'float32';
  if ((CAUSAL_LM_TYPES as readonly string[]).includes(type)) return decoderSentenceEncoder(loadCausalLm(dir, { dtype }));
  if ((ENCODER_TYPES as readonly string[]).includes(type)) return bertSentenceEncoder(loadEncoder(dir, { dtype }));
  throw new Error(`${path}: model_type '${type}' cannot be loaded as a sentence encoder; supported: ${[...CAUSAL_LM_TYPES, ...ENCODER_TYPES].join(', ')}`);
}
