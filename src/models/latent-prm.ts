/**
 * Latent process reward model: a sequence of latent vectors (one per reasoning step, from some
 * other model) goes through a decoder's layers as `inputsEmbeds`, is pooled, and a regression
 * head with a sigmoid gives a score in (0, 1).
 *
 * ```ts
 * const prm = LatentPrmModel.fromPretrained('tiny-qwen2', { latentDim: 64, pooling: 'mean' });
 * const scores = prm.forward(latents, mask);   // (B, S, 64), (B, S) -> (B,)
 * ```
 */
import { Linear } from '../nn/layers.js';
import { withEmptyInit } from '../nn/empty-init.js';
import { Module } from '../nn/module.js';
import type { DType, Tensor } from '../tensor/index.js';
import { toHfConfig, type DecoderConfig } from './config.js';
import { DecoderModel } from './decoder.js';
import { pool, RegressionHead, type Pooling } from './heads.js';
import { initDecoderWeights } from './init.js';
import { loadPretrainedWeights, readConfig, savePretrained } from './pretrained.js';

export const LATENT_PRM_ARCHITECTURE = 'LatentPrmModel';

export interface LatentPrmOptions {
  /** Width of the input latents; a Linear projects them to the trunk's hidden size when it differs. */
  latentDim: number;
  /** How the steps become one vector. Default 'mean'. */
  pooling?: Pooling;
}

export class LatentPrmModel extends Module {
  readonly inputProj: Linear | null;
  readonly model: DecoderModel;
  readonly head: RegressionHead;
  readonly latentDim: number;
  readonly pooling: Pooling;

  constructor(readonly config: DecoderConfig, options: LatentPrmOptions) {
    super();
    const dtype = config.dtype ?? 'float32';
    this.latentDim = options.latentDim;
    this.pooling = options.pooling ?? 'mean';
    this.inputProj = options.latentDim === config.hiddenSize ? null : this.child('input_proj', new Linear(options.latentDim, config.hiddenSize, { dtype }));
    this.model = this.child('model', new DecoderModel(config));
    this.head = this.child('head', new RegressionHead(config.hiddenSize, dtype));
    // Latents replace the token embeddings: the table is never read, so it is not trained.
    this.model.embedTokens.freeze();
  }

  static fromConfig(config: DecoderConfig, options: LatentPrmOptions): LatentPrmModel {
    const m = new LatentPrmModel(config, options);
    initDecoderWeights(m, config.initializerRange);
    m.model.embedTokens.freeze();
    return m;
  }

  /**
   * From a saved latent PRM directory (its config.json names LatentPrmModel and the latent
   * width), or from any decoder checkpoint: then the trunk is loaded and the projection and
   * head start fresh.
   */
  static fromPretrained(dir: string, options: Partial<LatentPrmOptions> & { dtype?: DType } = {}): LatentPrmModel {
    const { config, raw } = readConfig(dir);
    const saved = Array.isArray(raw.architectures) && raw.architectures.includes(LATENT_PRM_ARCHITECTURE);
    const latentDim = options.latentDim ?? (saved ? Number(raw.latent_dim) : config.hiddenSize);
    const pooling = options.pooling ?? (saved ? (raw.pooling as Pooling) : 'mean');
    // Uninitialised until loaded; from a plain decoder the projection and head start fresh.
    const fresh = withEmptyInit(() => new LatentPrmModel({ ...config, dtype: options.dtype ?? 'float32' }, { latentDim, pooling }));
    try {
      loadPretrainedWeights(fresh, dir, {
        allowMissing: (key) => !saved && !key.startsWith('model.'),
        ignoreUnexpected: (key) => key === 'lm_head.weight' || key === 'score.weight',
      });
      if (!saved) for (const part of [fresh.inputProj, fresh.head]) if (part !== null) initDecoderWeights(part, config.initializerRange);
    } catch (err) {
      fresh.dispose();
      throw err;
    }
    return fresh.eval();
  }

  hfConfig(dtype: DType): Record<string, unknown> {
    return { ...toHfConfig({ ...this.config, dtype }, LATENT_PRM_ARCHITECTURE), latent_dim: this.latentDim, pooling: this.pooling };
  }

  savePretrained(dir: string): void {
    savePretrained(this, dir);
  }

  /** Scores (B,) in (0, 1) from latents (B, S, latentDim) and a step mask (B, S) of 1 = real step. */
  forward(latents: Tensor, mask: Tensor): Tensor {
    const embeds = this.inputProj === null ? latents : this.inputProj.forward(latents);
    const hidden = this.model.forward({ inputsEmbeds: embeds, attentionMask: mask });
    return this.head.forward(pool(hidden, mask, this.pooling));
  }
}
