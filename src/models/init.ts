/** transformers' _init_weights for decoders: N(0, initializer_range) matrices, zero biases, unit norms. */
import { noGrad } from '../tensor/index.js';
import type { Module } from '../nn/module.js';
import { initSkipped } from '../nn/empty-init.js';

export function initDecoderWeights(module: Module, std: number): void {
  if (initSkipped()) return; // weights come from a checkpoint (withEmptyInit)
  noGrad(() => {
    for (const [name, p] of module.namedParameters()) {
      if (name === 'bias' || name.endsWith('.bias')) p.zero_(); // 'bias' when called on a layer itself
      else if (p.ndim >= 2) p.normal_(0, std);
      else p.fill_(1);
    }
  });
}
