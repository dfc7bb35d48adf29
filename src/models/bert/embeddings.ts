/**
 * BERT's input layer: word + token type + absolute position embeddings, then LayerNorm and
 * dropout (transformers' BertEmbeddings / RobertaEmbeddings, same key names).
 */
import { dropout } from '../../nn/functional.js';
import { Embedding, LayerNorm } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { arange, type Device, type Tensor } from '../../tensor/index.js';
import type { BertConfig } from './config.js';

/**
 * RoBERTa's positions (fairseq's make_positions, transformers'
 * create_position_ids_from_input_ids): real tokens count up from padId + 1 and pads keep padId,
 * whichever side the padding is on.
 *
 * ```ts
 * robertaPositionIds(tensor([[0, 7, 2, 1, 1]], { dtype: 'int64' }), 1); // [[2, 3, 4, 1, 1]]
 * ```
 */
export function robertaPositionIds(inputIds: Tensor, padId: number): Tensor {
  const real = inputIds.ne(padId).to('int64'); // (B, T) 1 on real tokens
  return real.cumsum(1).mul(real).add(padId);
}

export interface EmbeddingsInput {
  /** (B, T) int64; exactly one of inputIds / inputsEmbeds. */
  inputIds?: Tensor | undefined;
  /** (B, T, H) vectors used in place of the word embeddings. */
  inputsEmbeds?: Tensor | undefined;
  /** (B, T) segment ids; omitted: all 0. */
  tokenTypeIds?: Tensor | undefined;
  /** (B, T) or (1, T); omitted: 0..T-1 (BERT) or robertaPositionIds (RoBERTa). */
  positionIds?: Tensor | undefined;
}

export class BertEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;

  constructor(private readonly config: BertConfig) {
    super();
    const dtype = config.dtype ?? 'float32';
    const H = config.hiddenSize;
    this.wordEmbeddings = this.child('word_embeddings', new Embedding(config.vocabSize, H, { dtype }));
    this.positionEmbeddings = this.child('position_embeddings', new Embedding(config.maxPositionEmbeddings, H, { dtype }));
    this.tokenTypeEmbeddings = this.child('token_type_embeddings', new Embedding(config.typeVocabSize, H, { dtype }));
    this.layerNorm = this.child('LayerNorm', new LayerNorm(H, config.layerNormEps, { dtype }));
  }

  /** (B, T, H) */
  forward({ inputIds, inputsEmbeds, tokenTypeIds, positionIds }: EmbeddingsInput): Tensor {
    if ((inputIds === undefined) === (inputsEmbeds === undefined)) {
      throw new TypeError('forward: pass exactly one of inputIds or inputsEmbeds');
    }
    const words = inputsEmbeds ?? this.wordEmbeddings.forward(inputIds as Tensor); // (B, T, H)
    const T = words.size(1);
    // Default positions reach T - 1 (BERT) or at most padTokenId + T (RoBERTa): checked without a host sync.
    const last = this.config.modelType === 'bert' ? T - 1 : this.config.padTokenId + T;
    if (positionIds === undefined && last >= this.config.maxPositionEmbeddings) {
      throw new RangeError(`forward: ${T} tokens need position ${last}, past max_position_embeddings (${this.config.maxPositionEmbeddings})`);
    }
    const positions = positionIds ?? this.defaultPositions(inputIds, T, words.device as Device);
    // Omitted token types are all 0: add row 0 of the table rather than look it up B·T times.
    const types = tokenTypeIds === undefined ? this.tokenTypeEmbeddings.weight.select(0, 0) : this.tokenTypeEmbeddings.forward(tokenTypeIds);
    const h = words.add(types).add(this.positionEmbeddings.forward(positions)); // transformers' order of sums
    return dropout(this.layerNorm.forward(h), this.config.hiddenDropoutProb, this.training);
  }

  private defaultPositions(inputIds: Tensor | undefined, T: number, device: Device): Tensor {
    const pad = this.config.padTokenId;
    if (this.config.modelType === 'bert') return arange(T, undefined, 1, { device }).unsqueeze(0); // (1, T)
    // RoBERTa from vectors cannot tell pads apart: sequential positions after padding_idx.
    return inputIds === undefined ? arange(pad + 1, T + pad + 1, 1, { device }).unsqueeze(0) : robertaPositionIds(inputIds, pad);
  }
}
