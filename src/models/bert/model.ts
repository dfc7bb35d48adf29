/**
 * BERT (Devlin et al. 2019) and RoBERTa (Liu et al. 2019) trunks: embeddings, post-LayerNorm
 * encoder layers with bidirectional attention masked only at padding, and the [CLS] pooler.
 * Key names are transformers' BertModel ones (`embeddings.*`, `encoder.layer.N.*`, `pooler.dense`).
 */
import { runLayers } from '../../nn/checkpoint.js';
import { dropout, scaledDotProductAttention } from '../../nn/functional.js';
import { LayerNorm, Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/module-list.js';
import { noGrad, type Device, type DType, type Tensor } from '../../tensor/index.js';
import { attentionMaskFor, type AttentionMasking } from '../masks.js';
import { bertToHfConfig, type BertActivation, type BertConfig } from './config.js';
import { BertEmbeddings, type EmbeddingsInput } from './embeddings.js';

export interface EncoderInput extends EmbeddingsInput {
  /** (B, T): 1 for tokens, 0 for padding (either side). Omitted: every position is real. */
  attentionMask?: Tensor | undefined;
  /** Also return the input of every layer and the last output (transformers' output_hidden_states). */
  outputHiddenStates?: boolean | undefined;
}

export interface EncoderOutput {
  /** The last layer's output (B, T, H); named as CausalLmOutput's so trainers read either model alike. */
  hiddenStates: Tensor;
  /** The same tensor under transformers' name. */
  lastHiddenState: Tensor;
  /** tanh(dense(h[:, 0])) (B, H): the [CLS] summary; null for a trunk built without a pooler. */
  pooledOutput: Tensor | null;
  /** With outputHiddenStates: numLayers + 1 tensors (B, T, H), the embeddings' output first. */
  allHiddenStates?: Tensor[];
}

/** hidden_act by name; `gelu` is exact (erf), as transformers' ACT2FN. */
export function activate(x: Tensor, act: BertActivation): Tensor {
  switch (act) {
    case 'gelu':
      return x.gelu('none');
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return x.gelu('tanh');
    case 'relu':
      return x.relu();
    default: {
      const never: never = act;
      throw new TypeError(`unknown hidden_act '${String(never)}'`);
    }
  }
}

/** `attention.self`: the q/k/v projections. */
class BertSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;

  constructor(private readonly config: BertConfig) {
    super();
    const H = config.hiddenSize;
    const options = { dtype: config.dtype ?? 'float32' };
    this.query = this.child('query', new Linear(H, H, options));
    this.key = this.child('key', new Linear(H, H, options));
    this.value = this.child('value', new Linear(H, H, options));
  }

  forward(x: Tensor, masking: AttentionMasking): Tensor {
    const [B, T, H] = x.shape as [number, number, number];
    const nH = this.config.numHeads;
    const d = H / nH;
    const heads = (t: Tensor) => t.view(B, T, nH, d).transpose(1, 2); // (B, nH, T, d)
    const p = this.training ? this.config.attentionProbsDropoutProb : 0;
    const y = scaledDotProductAttention(heads(this.query.forward(x)), heads(this.key.forward(x)), heads(this.value.forward(x)), {
      mask: masking.mask,
      dropout: p,
      scale: d ** -0.5,
    }); // (B, nH, T, d)
    return y.transpose(1, 2).reshape(B, T, H);
  }
}

/** dense -> dropout -> LayerNorm(residual + ·): `attention.output` and `output` share this shape. */
class BertSubLayerOutput extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(private readonly config: BertConfig, inFeatures: number) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.dense = this.child('dense', new Linear(inFeatures, config.hiddenSize, { dtype }));
    this.layerNorm = this.child('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps, { dtype }));
  }

  forward(x: Tensor, residual: Tensor): Tensor {
    return this.layerNorm.forward(dropout(this.dense.forward(x), this.config.hiddenDropoutProb, this.training).add(residual));
  }
}

class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertSubLayerOutput;

  constructor(config: BertConfig) {
    super();
    this.self = this.child('self', new BertSelfAttention(config));
    this.output = this.child('output', new BertSubLayerOutput(config, config.hiddenSize));
  }

  forward(x: Tensor, masking: AttentionMasking): Tensor {
    return this.output.forward(this.self.forward(x, masking), x);
  }
}

/** `intermediate.dense` + activation. */
class BertIntermediate extends Module {
  readonly dense: Linear;

  constructor(private readonly config: BertConfig) {
    super();
    this.dense = this.child('dense', new Linear(config.hiddenSize, config.intermediateSize, { dtype: config.dtype ?? 'float32' }));
  }

  forward(x: Tensor): Tensor {
    return activate(this.dense.forward(x), this.config.hiddenAct);
  }
}

/** One post-LN encoder layer: h = LN(x + attn(x)); out = LN(h + ffn(h)). */
export class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertSubLayerOutput;

  constructor(config: BertConfig) {
    super();
    this.attention = this.child('attention', new BertAttention(config));
    this.intermediate = this.child('intermediate', new BertIntermediate(config));
    this.output = this.child('output', new BertSubLayerOutput(config, config.intermediateSize));
  }

  forward(x: Tensor, masking: AttentionMasking): Tensor {
    const h = this.attention.forward(x, masking);
    return this.output.forward(this.intermediate.forward(h), h);
  }
}

/** `encoder`: the layer stack. */
class BertEncoder extends Module {
  readonly layer: ModuleList<BertLayer>;

  constructor(config: BertConfig) {
    super();
    this.layer = this.child('layer', new ModuleList(Array.from({ length: config.numLayers }, () => new BertLayer(config))));
  }
}

/** `pooler`: tanh(dense(h[:, 0])), the [CLS] / <s> position. */
class BertPooler extends Module {
  readonly dense: Linear;

  constructor(config: BertConfig) {
    super();
    this.dense = this.child('dense', new Linear(config.hiddenSize, config.hiddenSize, { dtype: config.dtype ?? 'float32' }));
  }

  forward(hidden: Tensor): Tensor {
    return this.dense.forward(hidden.select(1, 0)).tanh(); // (B, H)
  }
}

export interface BertModelOptions {
  /** Build the [CLS] pooler (default true; transformers leaves it out of its MLM models). */
  addPoolingLayer?: boolean;
}

/**
 * The trunk, `bert.*` / `roberta.*` inside task checkpoints.
 *
 * ```ts
 * const bert = loadEncoder('tiny-bert');   // auto-encoder.ts
 * const { hiddenStates, pooledOutput } = bert.forward({ inputIds, attentionMask, tokenTypeIds });
 * ```
 */
export class BertModel extends Module {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;

  constructor(readonly config: BertConfig, options: BertModelOptions = {}) {
    super();
    this.embeddings = this.child('embeddings', new BertEmbeddings(config));
    this.encoder = this.child('encoder', new BertEncoder(config));
    this.pooler = options.addPoolingLayer === false ? null : this.child('pooler', new BertPooler(config));
  }

  /** A bare trunk saves as transformers' BertModel / RobertaModel (keys without the `bert.` prefix). */
  hfConfig(dtype: DType): Record<string, unknown> {
    return bertToHfConfig(this.config, this.config.modelType === 'bert' ? 'BertModel' : 'RobertaModel', dtype);
  }

  forward(input: EncoderInput): EncoderOutput {
    let h = this.embeddings.forward(input); // (B, T, H)
    const [B, T] = h.shape as [number, number, number];
    // Bidirectional: only padded keys are hidden (additive mask (B, 1, 1, T), or none).
    const masking = attentionMaskFor(input.attentionMask, { batch: B, length: T, past: 0, dtype: h.dtype, device: h.device as Device, causal: false });
    const run = (layers: Iterable<BertLayer>, x: Tensor) => runLayers(layers, x, masking, (layer, y) => layer.forward(y, masking));
    const all = input.outputHiddenStates ? [h] : undefined;
    if (all === undefined) h = run(this.encoder.layer, h);
    // Layer outputs live until the caller's scope ends anyway: collecting them costs nothing.
    else for (const layer of this.encoder.layer) all.push((h = run([layer], h)));
    const pooledOutput = this.pooler === null ? null : this.pooler.forward(h);
    return { hiddenStates: h, lastHiddenState: h, pooledOutput, ...(all === undefined ? {} : { allHiddenStates: all }) };
  }
}

/**
 * transformers' BERT init (_init_weights): Linear and Embedding weights N(0, initializer_range),
 * biases 0, LayerNorms 1 / 0, padding rows 0. `only` picks the parameters to initialise (a head a
 * checkpoint lacks).
 */
export function initBertWeights(module: Module, config: BertConfig, only: (name: string, p: Tensor) => boolean = () => true): void {
  noGrad(() => {
    for (const [name, p] of module.namedParameters()) {
      if (!only(name, p)) continue;
      if (name === 'bias' || name.endsWith('.bias')) p.zero_();
      else if (p.ndim >= 2) p.normal_(0, config.initializerRange);
      else p.fill_(1);
      // nn.Embedding(padding_idx=pad) rows start at 0: the word table's, and RoBERTa's position table's.
      const padded = name.endsWith('word_embeddings.weight') || (config.modelType === 'roberta' && name.endsWith('position_embeddings.weight'));
      if (padded) p.select(0, config.padTokenId).zero_();
    }
  });
}
