/** The gated feed-forward block: down(act(gate(x)) * up(x)) (SwiGLU with SiLU; Shazeer 2020). */
import { Linear } from '../nn/layers.js';
import { siluMul, siluMulLinear } from '../nn/functional.js';
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/index.js';
import type { DecoderConfig } from './config.js';

export class GatedMlp extends Module {
  readonly gateProj: Linear;
  readonly upProj: Linear;
  readonly downProj: Linear;

  constructor(private readonly config: DecoderConfig) {
    super();
    const { hiddenSize: h, intermediateSize: i, mlpBias: bias } = config;
    const dtype = config.dtype ?? 'float32';
    this.gateProj = this.child('gate_proj', new Linear(h, i, { bias, dtype }));
    this.upProj = this.child('up_proj', new Linear(h, i, { bias, dtype }));
    this.downProj = this.child('down_proj', new Linear(i, h, { bias, dtype }));
  }

  forward(x: Tensor): Tensor {
    const gate = this.gateProj.forward(x);
    const up = this.upProj.forward(x);
    if (this.config.hiddenAct === 'silu') {
      // Without an adapter on down_proj, the product is recomputed in backward instead of kept.
      const down = this.downProj;
      return down.adapter === null ? siluMulLinear(gate, up, down.weight, down.bias) : down.forward(siluMul(gate, up));
    }
    return this.downProj.forward(gate.gelu(this.config.hiddenAct === 'gelu' ? 'none' : 'tanh').mul(up));
  }
}
